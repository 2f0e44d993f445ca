"""How a pooled budget is apportioned among the participants (apportion, check_rule) and an amount split in
proportion to what each paid (split_proportionally): pure rules of campaigns/rules.py, against an independent
reference model."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from campaigns.rules import (
    N_,
    RuleError,
    apportion,
    check_rule,
    split_proportionally,
)

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- reference model
# An independent, deliberately naive model of the specification: exact Fractions,
# brute force over which members sit on the floor / the cap, then largest remainder.


def _reference_exact(budget, weights, floor, cap):
    """Exact shares clamp(lam * w, floor, cap) summing to budget, by brute force over (k, m)."""
    items = sorted(weights.items(), key=lambda kv: kv[1])
    n = len(items)
    ws = [Fraction(w) for _, w in items]
    for k in range(n + 1):  # k lightest members on the floor
        for m in range(n - k + 1):  # m heaviest members on the cap
            free = ws[k : n - m]
            rest = budget - k * floor - m * cap
            if not free:
                if rest != 0:
                    continue
                if k and m and cap * ws[k - 1] > floor * ws[k]:
                    continue  # no lam puts exactly these members on their bounds
                exact = [Fraction(floor)] * k + [Fraction(cap)] * m
            else:
                lam = Fraction(rest) / sum(free)
                if any(lam * w > floor for w in ws[:k]):
                    continue
                if any(lam * w < cap for w in ws[n - m :]):
                    continue
                if any(not floor <= lam * w <= cap for w in free):
                    continue
                exact = [Fraction(floor)] * k + [lam * w for w in free] + [Fraction(cap)] * m
            return {key: e for (key, _), e in zip(items, exact, strict=False)}
    raise AssertionError("reference found no solution for a feasible rule")


def _reference_round(total, exact, weights):
    base = {k: e.numerator // e.denominator for k, e in exact.items()}
    missing = total - sum(base.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - base[k]), -Fraction(weights[k]), k))
    for k in order[:missing]:
        base[k] += 1
    return base


def _cap_of(budget, pct):
    return budget if pct is None else int(Fraction(budget) * Fraction(pct) / 100)


def _expected_code(budget, n, min_share, pct):
    """Which RuleError the specification demands for this rule, or None if it is feasible."""
    if min_share is not None and min_share < 0:
        return "bad_floor"
    if pct is not None and not 0 < Fraction(pct) <= 100:
        return "bad_cap_pct"
    floor = min_share or 0
    cap = _cap_of(budget, pct)
    if pct is not None and floor > cap:
        return "floor_above_cap"
    if n == 0:
        return "no_participants" if budget > 0 else None
    if n * floor > budget:
        return "floors_exceed_budget"
    if n * cap < budget:
        return "caps_below_budget"
    return None


# --------------------------------------------------------------------------- worked examples


@pytest.mark.parametrize(
    ("budget", "weights", "rule", "expected"),
    [
        pytest.param(
            # exact 14285 5/7, 28571 3/7, 57142 6/7; 2 fen missing -> remainders 6/7, 5/7
            100_000, {1: 1, 2: 2, 3: 4}, {}, {1: 14286, 2: 28571, 3: 57143},
            id="plain-1-2-4",
        ),
        pytest.param(
            # cap 24% = 240. Round 1: 500 -> 240, 760 over weight 16: 8 -> 380.
            # Round 2: 380 -> 240, 520 over weight 8: 4 -> 260. Round 3: 260 -> 240,
            # 280 over weight 4: 140, 70, 70.  Excess redistributed three times.
            1000, {1: 16, 2: 8, 3: 4, 4: 2, 5: 1, 6: 1}, {"max_share_pct": 24},
            {1: 240, 2: 240, 3: 240, 4: 140, 5: 70, 6: 70},
            id="cap-redistributed-three-times",
        ),
        pytest.param(
            # cap 30% = 300: 500 -> 300, then 350 -> 300, leaving 400 over weight 5.
            1000, {1: 10, 2: 5, 3: 3, 4: 1, 5: 1}, {"max_share_pct": Decimal("30")},
            {1: 300, 2: 300, 3: 240, 4: 80, 5: 80},
            id="cap-decimal-pct",
        ),
        pytest.param(
            # floor 100: 50 -> 100, then 900 over 19 gives member 2 94.7 -> 100, then
            # 800 over 17: 141 3/17 and 658 14/17 -> the missing fen goes to member 4.
            1000, {1: 1, 2: 2, 3: 3, 4: 14}, {"min_share": 100},
            {1: 100, 2: 100, 3: 141, 4: 659},
            id="floor-pinned-twice",
        ),
        pytest.param(
            # floor 100 and cap 50% = 500 both bind: lam = 300/10, member 4 -> 600 > 500.
            1000, {1: 1, 2: 1, 3: 10, 4: 20}, {"min_share": 100, "max_share_pct": 50},
            {1: 100, 2: 100, 3: 300, 4: 500},
            id="floor-and-cap",
        ),
        pytest.param(
            # 62.5 and 62.5: equal remainders and weights -> smaller id gets the fen
            1000, {1: 16, 2: 8, 3: 4, 4: 2, 6: 1, 5: 1}, {"max_share_pct": 25},
            {1: 250, 2: 250, 3: 250, 4: 125, 5: 63, 6: 62},
            id="cap-exactly-reached-and-id-tiebreak",
        ),
        pytest.param(
            # 0.5 and 1.5: equal remainders -> larger weight first, even with larger id
            2, {1: 1, 2: 3}, {}, {1: 0, 2: 2},
            id="tiebreak-larger-weight",
        ),
        pytest.param(
            3, {9: 1, 5: 1}, {}, {5: 2, 9: 1},
            id="tiebreak-smaller-id",
        ),
        pytest.param(
            # 3.33.. and 6.66..: larger remainder first beats smaller id
            10, {1: Fraction(1, 3), 2: Fraction(2, 3)}, {}, {1: 3, 2: 7},
            id="fraction-weights",
        ),
        pytest.param(
            100, {1: Decimal("0.5"), 2: Decimal("1.5")}, {}, {1: 25, 2: 75},
            id="decimal-weights",
        ),
        pytest.param(
            101, {1: 1, 2: Decimal("1.0"), 3: Fraction(2, 2)}, {}, {1: 34, 2: 34, 3: 33},
            id="mixed-equal-weights",
        ),
        pytest.param(
            0, {1: 5, 2: 7}, {"max_share_pct": 10}, {1: 0, 2: 0},
            id="zero-budget",
        ),
        pytest.param(
            300, {1: 1, 2: 50, 3: 1000}, {"min_share": 100, "max_share_pct": Fraction(100, 3)},
            {1: 100, 2: 100, 3: 100},
            id="floor-equals-cap",
        ),
        pytest.param(
            12345, {42: 7}, {"min_share": 12345}, {42: 12345},
            id="single-member",
        ),
        pytest.param(0, {}, {}, {}, id="nobody-nothing"),
    ],
)
def test_apportion_worked_examples(budget, weights, rule, expected):
    result = apportion(budget, weights, **rule)
    assert result == expected
    assert sum(result.values()) == budget


@pytest.mark.parametrize(
    ("amount", "paid", "expected"),
    [
        pytest.param(100, {1: 300, 2: 0, 3: 700}, {1: 30, 2: 0, 3: 70}, id="zero-payer-gets-zero"),
        # 3.5, 1.75, 1.75: the two 0.75 remainders get the two missing fen
        pytest.param(7, {1: 50, 2: 25, 3: 25}, {1: 3, 2: 2, 3: 2}, id="largest-remainder"),
        pytest.param(10, {3: 1, 1: 1, 2: 1}, {1: 4, 2: 3, 3: 3}, id="id-tiebreak"),
        # 0.5 and 1.5 -> larger payment first
        pytest.param(2, {1: 100, 2: 300}, {1: 0, 2: 2}, id="weight-tiebreak"),
        pytest.param(0, {1: 0, 2: 0}, {1: 0, 2: 0}, id="nothing-to-split"),
        pytest.param(0, {}, {}, id="empty"),
    ],
)
def test_split_proportionally_worked_examples(amount, paid, expected):
    assert split_proportionally(amount, paid) == expected


@pytest.mark.parametrize(
    ("budget", "weights", "rule", "code", "params"),
    [
        (100, {}, {}, "no_participants", {"budget": 100}),
        (100, {1: 1, 2: 0}, {}, "bad_weight", {"member": 2, "weight": 0}),
        (100, {1: -3}, {}, "bad_weight", {"member": 1, "weight": -3}),
        (100, {1: Decimal("NaN")}, {}, "bad_weight", None),
        (100, {1: 1.5}, {}, "bad_weight", {"member": 1, "weight": 1.5}),
        (100, {1: True}, {}, "bad_weight", {"member": 1, "weight": True}),
        (
            100, {1: 1, 2: 1, 3: 1}, {"min_share": 34}, "floors_exceed_budget",
            {"n": 3, "min_share": 34, "needed": 102, "budget": 100},
        ),
        (
            100, {1: 1, 2: 1, 3: 1}, {"max_share_pct": 33}, "caps_below_budget",
            {"n": 3, "cap": 33, "covered": 99, "budget": 100},
        ),
        (
            1000, {1: 1, 2: 1}, {"min_share": 500, "max_share_pct": Decimal("49.99")},
            "floor_above_cap",
            {"min_share": 500, "cap": 499, "max_share_pct": Decimal("49.99"), "budget": 1000},
        ),
        (100, {1: 1}, {"max_share_pct": 0}, "bad_cap_pct", {"max_share_pct": 0}),
        (100, {1: 1}, {"max_share_pct": Decimal("100.01")}, "bad_cap_pct", None),
        (100, {1: 1}, {"max_share_pct": -5}, "bad_cap_pct", None),
        (100, {1: 1}, {"max_share_pct": 50.0}, "bad_cap_pct", None),
        (100, {1: 1}, {"min_share": -1}, "bad_floor", {"min_share": -1}),
        (-1, {1: 1}, {}, "bad_budget", {"budget": -1}),
        (0, {1: 1}, {"min_share": 1}, "floors_exceed_budget", None),
    ],
)
def test_apportion_refuses(budget, weights, rule, code, params):
    with pytest.raises(RuleError) as info:
        apportion(budget, weights, **rule)
    err = info.value
    assert err.code == code
    if params is not None:
        assert err.params == params
    assert str(err) == err.message % err.params
    assert "%(" not in str(err)


def test_rule_error_is_a_translatable_value_error():
    err = RuleError("caps_below_budget", n=3, cap=33, covered=99, budget=100)
    assert isinstance(err, ValueError)
    assert err.message == "%(n)s members paying at most %(cap)s each can cover only %(covered)s of the budget of %(budget)s."
    assert str(err) == "3 members paying at most 33 each can cover only 99 of the budget of 100."
    # Callers translate the template first, then interpolate (formatted) params.
    translated = err.message.replace("members", "Mitglieder")
    assert (translated % {**err.params, "cap": "0.33"}).startswith("3 Mitglieder paying at most 0.33 each")
    assert N_("x %(y)s") == "x %(y)s"
    assert "100%" in str(RuleError("bad_cap_pct", max_share_pct=150))


@pytest.mark.parametrize(
    ("budget", "n", "rule", "code"),
    [
        (100, 3, {"min_share": 33, "max_share_pct": 34}, None),
        (100, 3, {"min_share": 34, "max_share_pct": None}, "floors_exceed_budget"),
        (100, 3, {"min_share": None, "max_share_pct": 33}, "caps_below_budget"),
        (100, 1, {"min_share": None, "max_share_pct": 100}, None),
        (100, 1, {"min_share": None, "max_share_pct": 99}, "caps_below_budget"),
        # Rule set before anyone joined: only the rule itself is checked.
        (100, 0, {"min_share": 5, "max_share_pct": 5}, None),
        (100, 0, {"min_share": 10, "max_share_pct": 9}, "floor_above_cap"),
        (100, 0, {"min_share": -1, "max_share_pct": None}, "bad_floor"),
        (100, 0, {"min_share": None, "max_share_pct": 101}, "bad_cap_pct"),
        (100, -1, {"min_share": None, "max_share_pct": None}, "bad_member_count"),
    ],
)
def test_check_rule(budget, n, rule, code):
    if code is None:
        assert check_rule(budget, n, **rule) is None
    else:
        with pytest.raises(RuleError) as info:
            check_rule(budget, n, **rule)
        assert info.value.code == code


def test_split_refuses():
    with pytest.raises(RuleError) as info:
        split_proportionally(5, {1: 0, 2: 0})
    assert info.value.code == "nothing_paid"
    assert info.value.params == {"amount": 5}
    with pytest.raises(RuleError) as info:
        split_proportionally(5, {})
    assert info.value.code == "nothing_paid"
    with pytest.raises(RuleError) as info:
        split_proportionally(5, {1: 10, 2: -1})
    assert (info.value.code, info.value.params) == ("bad_paid", {"member": 2, "paid": -1})
    with pytest.raises(RuleError) as info:
        split_proportionally(-5, {1: 10})
    assert info.value.code == "bad_budget"


def test_non_integer_money_is_a_programming_error():
    with pytest.raises(TypeError):
        apportion(Decimal("100"), {1: 1})
    with pytest.raises(TypeError):
        apportion(100, {1: 1}, min_share=1.5)
    with pytest.raises(TypeError):
        split_proportionally(10.0, {1: 1})


def test_large_membership_is_exact():
    """20,000 members, some pinned at the floor, the heaviest at the cap: the shares still add up to the
    budget exactly. (How fast is bench/bench_apportion.py's business, not a unit test's.)"""
    rng = random.Random(7)
    weights = {i: rng.randint(1, 100) if i % 100 else rng.randint(1_000, 50_000) for i in range(20_000)}
    budget = 100_000_000
    shares = apportion(budget, weights, min_share=2_000, max_share_pct=Decimal("0.05"))
    assert sum(shares.values()) == budget
    assert min(shares.values()) == 2_000
    assert max(shares.values()) == 50_000  # 0.05 % of the budget
    assert all(shares[m] == 50_000 for m in weights if m % 100 == 0)  # the heavy ones, every 100th
    heavier = sorted(weights, key=lambda m: (weights[m], m))
    assert all(shares[x] <= shares[y] for x, y in itertools.pairwise(heavier) if weights[x] < weights[y])


# --------------------------------------------------------------------------- properties

member_ids = st.integers(min_value=1, max_value=10_000)
int_weights = st.dictionaries(member_ids, st.integers(min_value=1, max_value=60), min_size=1, max_size=9)
pcts = st.one_of(
    st.none(),
    st.integers(min_value=1, max_value=100),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2),
    st.fractions(min_value=Fraction(1, 7), max_value=100, max_denominator=9),
)


@st.composite
def feasible_cases(draw, weights=int_weights):
    """(budget, weights, min_share, max_share_pct) with a rule that can be honoured."""
    w = draw(weights)
    n = len(w)
    budget = draw(st.integers(min_value=0, max_value=50_000))
    pct = draw(pcts)
    cap = _cap_of(budget, pct)
    if n * cap < budget:  # cap too tight for this membership: loosen it just enough
        pct = Fraction(100 * -(-budget // n), budget)
        cap = _cap_of(budget, pct)
    min_share = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=min(cap, budget // n))))
    return budget, w, min_share, pct


def _shuffled(mapping, seed):
    items = list(mapping.items())
    random.Random(seed).shuffle(items)
    return dict(items)


@FAST
@given(feasible_cases())
def test_sum_floors_and_caps_hold(case):
    budget, weights, min_share, pct = case
    shares = apportion(budget, weights, min_share=min_share, max_share_pct=pct)
    assert shares.keys() == weights.keys()
    assert sum(shares.values()) == budget
    floor, cap = min_share or 0, _cap_of(budget, pct)
    assert all(floor <= s <= cap for s in shares.values())
    assert all(isinstance(s, int) for s in shares.values())


@FAST
@given(feasible_cases())
def test_matches_reference_model(case):
    budget, weights, min_share, pct = case
    floor, cap = min_share or 0, _cap_of(budget, pct)
    exact = _reference_exact(budget, weights, floor, cap)
    expected = _reference_round(budget, exact, weights)
    assert apportion(budget, weights, min_share=min_share, max_share_pct=pct) == expected


@FAST
@given(feasible_cases())
def test_larger_weight_never_pays_less_and_equal_weights_differ_by_at_most_one(case):
    budget, weights, min_share, pct = case
    shares = apportion(budget, weights, min_share=min_share, max_share_pct=pct)
    for a in weights:
        for b in weights:
            if weights[a] > weights[b]:
                assert shares[a] >= shares[b]
            elif weights[a] == weights[b]:
                assert abs(shares[a] - shares[b]) <= 1
                if a < b:  # the tie-break favours the smaller id for the extra unit
                    assert shares[a] >= shares[b]


@FAST
@given(feasible_cases(), st.integers(min_value=0, max_value=2**32))
def test_independent_of_input_order(case, seed):
    budget, weights, min_share, pct = case
    shares = apportion(budget, weights, min_share=min_share, max_share_pct=pct)
    again = apportion(budget, _shuffled(weights, seed), min_share=min_share, max_share_pct=pct)
    assert again == shares


@FAST
@given(feasible_cases(), st.sampled_from([Decimal("0.1"), Decimal("2.5"), Fraction(3, 7), 11]))
def test_scaling_all_weights_changes_nothing(case, factor):
    budget, weights, min_share, pct = case
    scaled = {k: w * factor for k, w in weights.items()}
    assert apportion(budget, scaled, min_share=min_share, max_share_pct=pct) == apportion(
        budget, weights, min_share=min_share, max_share_pct=pct
    )


@FAST
@given(
    int_weights,
    st.integers(min_value=0, max_value=5_000),
    st.one_of(st.none(), st.integers(min_value=-2, max_value=3_000)),
    st.one_of(st.none(), st.integers(min_value=-5, max_value=110), pcts),
)
def test_infeasible_rules_are_refused_with_the_right_code(weights, budget, min_share, pct):
    n = len(weights)
    code = _expected_code(budget, n, min_share, pct)
    if code is None:
        shares = apportion(budget, weights, min_share=min_share, max_share_pct=pct)
        assert sum(shares.values()) == budget
        check_rule(budget, n, min_share=min_share, max_share_pct=pct)
    else:
        with pytest.raises(RuleError) as info:
            apportion(budget, weights, min_share=min_share, max_share_pct=pct)
        assert info.value.code == code
        with pytest.raises(RuleError) as info:
            check_rule(budget, n, min_share=min_share, max_share_pct=pct)
        assert info.value.code == code


@FAST
@given(
    st.integers(min_value=0, max_value=100_000),
    st.dictionaries(member_ids, st.integers(min_value=0, max_value=10_000), min_size=1, max_size=10),
    st.integers(min_value=0, max_value=2**32),
)
def test_split_proportionally_properties(amount, paid, seed):
    assume(sum(paid.values()) > 0)
    parts = split_proportionally(amount, paid)
    assert parts.keys() == paid.keys()
    assert sum(parts.values()) == amount
    total = sum(paid.values())
    for k, p in paid.items():
        if p == 0:
            assert parts[k] == 0
        # never more than one minor unit away from the exact proportional part
        assert abs(Fraction(amount * p, total) - parts[k]) < 1
    for a in paid:
        for b in paid:
            if paid[a] > paid[b]:
                assert parts[a] >= parts[b]
    assert split_proportionally(amount, _shuffled(paid, seed)) == parts
    # same rounding as apportion over the payers (zero-payers are not weights there)
    payers = {k: p for k, p in paid.items() if p}
    assert {k: parts[k] for k in payers} == apportion(amount, payers)


def test_money_that_is_not_an_int_is_named_in_the_error():
    from campaigns.rules import pooled_amount

    with pytest.raises(TypeError, match=r"^budget must be an int \(minor units\), got Decimal$"):
        apportion(Decimal("100"), {1: 1})
    with pytest.raises(TypeError, match=r"^min_share must be an int \(minor units\), got float$"):
        apportion(100, {1: 1}, min_share=1.5)
    with pytest.raises(TypeError, match=r"^n_members must be an int \(minor units\), got float$"):
        check_rule(100, 1.0, min_share=None, max_share_pct=None)
    with pytest.raises(TypeError, match=r"^budget must be an int \(minor units\), got float$"):
        pooled_amount(1.5, 1, None)
    with pytest.raises(RuleError) as info:
        check_rule(100, -1, min_share=None, max_share_pct=None)
    assert (info.value.code, info.value.params) == ("bad_member_count", {"n": -1})


def test_one_fen_cannot_be_shared_by_nobody():
    with pytest.raises(RuleError) as info:
        apportion(1, {})
    assert (info.value.code, info.value.params) == ("no_participants", {"budget": 1})
    assert apportion(0, {}) == {}

"""Property tests of pricing_alliance.rules: the tally, the honest-original-price rule, the cap, volumes."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pricing_alliance import rules
from pricing_alliance.rules import RuleError

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
#: generating electorates is slow on a busy machine; the properties, not the speed, are under test
relaxed = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
choices = st.sampled_from(rules.CHOICES)
shares = st.fractions(min_value=0, max_value=1, max_denominator=12)
thresholds = st.fractions(min_value=Fraction(1, 12), max_value=1, max_denominator=12)
weights_st = st.dictionaries(st.integers(1, 60), st.integers(1, 8).map(Fraction), min_size=1, max_size=25)


@st.composite
def electorates(draw):  # weights, votes (some from non-participants)
    weights = draw(weights_st)
    voters = draw(st.lists(st.integers(1, 80), unique=True, max_size=40))
    votes = {m: draw(choices) for m in voters}
    return weights, votes


# --------------------------------------------------------------------------- tally


@relaxed
@given(electorates(), shares, thresholds)
def test_a_member_is_counted_once_and_only_participants_count(e, quorum, threshold):
    weights, votes = e
    t = rules.tally(weights, votes, quorum, threshold)
    counted = [m for m in votes if m in weights]
    assert t.voters == len(counted)
    assert t.voted_weight == sum((weights[m] for m in counted), Fraction(0))
    assert t.voted_weight <= t.eligible_weight
    assert t.approve_weight + t.reject_weight + t.abstain_weight == t.voted_weight


@relaxed
@given(electorates(), shares, thresholds)
def test_a_repeated_ballot_of_the_same_member_counts_once(e, quorum, threshold):
    weights, votes = e
    member = next(iter(weights))
    as_list = [*list(votes.items()), (member, "approve"), (member, "approve")]
    once = rules.tally(weights, dict(as_list), quorum, threshold)  # the last ballot of each member stands
    assert once.voters == len({m for m, _c in as_list if m in weights})


@relaxed
@given(electorates(), shares, thresholds, st.integers(1, 1000))
def test_weights_are_scale_free(e, quorum, threshold, k):
    weights, votes = e
    a = rules.tally(weights, votes, quorum, threshold)
    b = rules.tally({m: w * k for m, w in weights.items()}, votes, quorum, threshold)
    assert (a.outcome, a.quorum_met, a.threshold_met, a.turnout, a.approval) == \
           (b.outcome, b.quorum_met, b.threshold_met, b.turnout, b.approval)


@relaxed
@given(electorates(), shares, shares, thresholds)
def test_quorum_is_monotone(e, q1, q2, threshold):
    weights, votes = e
    low, high = sorted((q1, q2))
    if rules.tally(weights, votes, high, threshold).quorum_met:
        assert rules.tally(weights, votes, low, threshold).quorum_met


@relaxed
@given(electorates(), shares, thresholds, thresholds)
def test_threshold_is_monotone(e, quorum, t1, t2):
    weights, votes = e
    low, high = sorted((t1, t2))
    if rules.tally(weights, votes, quorum, high).outcome == "adopted":
        assert rules.tally(weights, votes, quorum, low).outcome == "adopted"


@relaxed
@given(electorates(), shares, thresholds, st.data())
def test_one_more_approval_never_turns_adopted_into_anything_else(e, quorum, threshold, data):
    weights, votes = e
    before = rules.tally(weights, votes, quorum, threshold)
    member = data.draw(st.sampled_from(sorted(weights)))
    after = rules.tally(weights, {**votes, member: "approve"}, quorum, threshold)
    if before.outcome == "adopted":
        assert after.outcome == "adopted"
    assert after.voted_weight >= before.voted_weight


def test_two_thirds_is_exactly_two_thirds():
    weights = {1: 1, 2: 1, 3: 1}
    t = rules.tally(weights, {1: "approve", 2: "approve", 3: "reject"}, Fraction(1, 2), Fraction(2, 3))
    assert t.outcome == "adopted"
    t = rules.tally({**weights, 4: 1}, {1: "approve", 2: "approve", 3: "reject", 4: "reject"}, Fraction(1, 2),
                    Fraction(2, 3))
    assert t.outcome == "rejected"


def test_abstentions_count_for_the_quorum_not_the_threshold():
    weights = {1: 1, 2: 1, 3: 1, 4: 1}
    t = rules.tally(weights, {1: "approve", 2: "abstain", 3: "abstain"}, Fraction(3, 4), Fraction(2, 3))
    assert t.quorum_met and t.threshold_met and t.outcome == "adopted"
    assert rules.tally(weights, {1: "approve"}, Fraction(3, 4), Fraction(2, 3)).outcome == "no_quorum"
    assert rules.tally(weights, {1: "abstain", 2: "abstain", 3: "abstain"}, Fraction(1, 2), Fraction(1, 2)).outcome \
        == "rejected"


def test_tier_weighting_uses_the_tier_weights():
    weights = rules.vote_weights({1: 4, 2: 1, 3: 1}, "tier")
    assert rules.tally(weights, {1: "approve", 2: "reject", 3: "reject"}, Fraction(1, 2), Fraction(2, 3)).outcome \
        == "adopted"
    weights = rules.vote_weights({1: 4, 2: 1, 3: 1}, "member")
    assert rules.tally(weights, {1: "approve", 2: "reject", 3: "reject"}, Fraction(1, 2), Fraction(2, 3)).outcome \
        == "rejected"


@pytest.mark.parametrize("text, share", [("50", Fraction(1, 2)), ("2/3", Fraction(2, 3)), ("66.5%", Fraction(133, 200))])
def test_shares_as_people_type_them(text, share):
    assert rules.parse_share(text) == share


@pytest.mark.parametrize("text", ["", "abc", "1/0", "nan"])
def test_shares_that_are_not_numbers_are_refused(text):
    with pytest.raises(RuleError):
        rules.parse_share(text)


def test_quorum_and_threshold_bounds():
    with pytest.raises(RuleError):
        rules.tally({1: 1}, {}, Fraction(3, 2), Fraction(1, 2))
    with pytest.raises(RuleError):
        rules.tally({1: 1}, {}, Fraction(1, 2), Fraction(0))


# --------------------------------------------------------------------------- honest original prices

history_st = st.lists(st.tuples(st.integers(0, 60 * 24), st.integers(1, 500)), max_size=12)


def brute_force_reference(history, at, window):
    """The lowest price on the shelf at any moment of [at - window, at), checked minute by minute."""
    seen = []
    ordered = sorted(history, key=lambda tp: tp[0])
    minute = at - window
    while minute < at:
        in_force = [p for t, p in ordered if t <= minute]
        if in_force:  # the last listing at or before this minute is on the shelf
            seen.append(in_force[-1])
        minute += dt.timedelta(minutes=30)
    listed_in_window = [p for t, p in ordered if at - window <= t < at]
    seen.extend(listed_in_window)
    if not seen:
        before = [p for t, p in ordered if t < at]
        return min(before) if before else None
    return min(seen)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history_st, st.integers(1, 60 * 24), st.sampled_from([1, 7, 30]))
@example(raw=[(0, 1), (1, 2)], at_half_hours=49, days=1)  # 2 listed at the window's very start replaces 1 there
def test_reference_price_matches_the_brute_force_model(raw, at_half_hours, days):
    history = [(T0 + dt.timedelta(minutes=30 * m), p) for m, p in raw]
    at = T0 + dt.timedelta(minutes=30 * at_half_hours)
    window = dt.timedelta(days=days)
    assert rules.reference_price(history, at, window) == brute_force_reference(history, at, window)


@relaxed
@given(history_st, st.integers(1, 60 * 24), st.integers(1, 500), st.integers(1, 600))
def test_a_claim_is_allowed_exactly_up_to_the_reference(raw, at_half_hours, price, original):
    history = [(T0 + dt.timedelta(minutes=30 * m), p) for m, p in raw]
    at = T0 + dt.timedelta(minutes=30 * at_half_hours)
    window = dt.timedelta(days=7)
    found = rules.reference_price(history, at, window)
    try:
        rules.check_original_price(price, original, history, at, window)
        allowed = True
    except RuleError:
        allowed = False
    assert allowed == (original >= price and found is not None and original <= found)


def test_a_raised_price_does_not_make_a_discount_within_the_window():
    at = T0 + dt.timedelta(days=20)
    history = [(at - dt.timedelta(days=10), 80_00), (at - dt.timedelta(days=2), 100_00)]
    with pytest.raises(RuleError) as err:
        rules.check_original_price(70_00, 100_00, history, at, dt.timedelta(days=7))
    assert err.value.code == "original_too_high" and err.value.params["found"] == 80_00
    # 30 days (EU rule) reaches back to the same 80.00; 7 days after the raise it is honest
    rules.check_original_price(70_00, 100_00, history, at + dt.timedelta(days=6), dt.timedelta(days=7))


def test_without_any_earlier_price_there_is_no_original():
    with pytest.raises(RuleError) as err:
        rules.check_original_price(70_00, 100_00, [], T0, dt.timedelta(days=7))
    assert err.value.code == "no_earlier_price"


def test_an_original_below_the_price_is_refused():
    with pytest.raises(RuleError) as err:
        rules.check_original_price(70_00, 60_00, [(T0 - dt.timedelta(days=1), 80_00)], T0, dt.timedelta(days=7))
    assert err.value.code == "original_below_price"


# --------------------------------------------------------------------------- proposals, cap, volumes


@pytest.mark.parametrize("price, floor, ceiling, closes, code", [
    (0, None, None, 1, "price_not_positive"),
    (-100, None, None, 1, "price_not_positive"),
    (100, 200, 150, 1, "floor_above_ceiling"),
    (100, 120, 150, 1, "price_below_floor"),
    (200, 120, 150, 1, "price_above_ceiling"),
    (100, None, None, -1, "closes_in_past"),
])
def test_bad_proposals(price, floor, ceiling, closes, code):
    with pytest.raises(RuleError) as err:
        rules.check_proposal(price, floor, ceiling, T0 + dt.timedelta(hours=closes), T0)
    assert err.value.code == code


@relaxed
@given(st.integers(1, 10**7), st.fractions(min_value=0, max_value=5, max_denominator=100), st.integers(1, 10**8))
def test_markup_cap_is_the_largest_price_within_the_markup(supplier, markup, price):
    cap = rules.markup_cap(supplier, markup)
    assert cap <= supplier * (1 + markup) < cap + 1
    try:
        rules.check_markup(price, supplier, markup)
        assert price <= cap
    except RuleError as err:
        assert price > cap and err.params["cap"] == cap


def test_forty_percent_markup():
    assert rules.markup_cap(100_00, Fraction(2, 5)) == 140_00
    with pytest.raises(RuleError):
        rules.check_markup(140_01, 100_00, Fraction(2, 5))


@relaxed
@given(st.integers(1, 10**6), st.lists(st.tuples(st.integers(2, 1000), st.integers(1, 10**6)), max_size=5),
       st.integers(0, 2000), st.integers(0, 2000))
def test_volume_price_never_rises_with_quantity(base, tiers, q1, q2):
    low, high = sorted((q1, q2))
    assert rules.volume_unit_price(base, tiers, high) <= rules.volume_unit_price(base, tiers, low) <= base


@relaxed
@given(st.dictionaries(st.integers(1, 100), st.integers(1, 1000), max_size=30), st.integers(1, 10**6))
def test_amounts_due_add_up_to_total_quantity_times_unit(demand, unit):
    due = rules.amounts_due(demand, unit)
    assert sum(due.values()) == sum(demand.values()) * unit


@relaxed
@given(st.dictionaries(st.integers(1, 20), st.integers(0, 10**6)), st.dictionaries(st.integers(1, 20), st.integers(-10**6, 10**6)))
def test_due_adjustments_bring_the_account_to_target(target, recorded):
    adj = rules.due_adjustments(target, recorded)
    for m in set(target) | set(recorded):
        assert recorded.get(m, 0) + adj.get(m, 0) == target.get(m, 0)
    assert 0 not in adj.values()


def test_bad_tiers():
    with pytest.raises(RuleError):
        rules.check_tiers(100, [(1, 90)])
    with pytest.raises(RuleError):
        rules.check_tiers(100, [(10, 90), (10, 80)])
    with pytest.raises(RuleError):
        rules.amounts_due({1: 0}, 100)


# --------------------------------------------------------------------------- the joint-purchase account

accounts = st.lists(st.tuples(st.tuples(st.integers(1, 6), st.integers(1, 4)), st.sampled_from(rules.ENTRY_KINDS),
                              st.integers(1, 10**6)), max_size=40)


@relaxed
@given(accounts, accounts)
def test_what_is_owed_is_dues_less_credits_in_any_order(entries, more):
    owed = rules.net_owed(entries)
    assert set(owed) == {key for key, _kind, _amount in entries}
    for key in owed:
        assert owed[key] == sum(a for k, kind, a in entries if k == key and kind == "due") - \
            sum(a for k, kind, a in entries if k == key and kind == "credit")
    assert rules.net_owed(list(reversed(entries))) == owed
    both = rules.net_owed(entries + more)
    later = rules.net_owed(more)
    assert both == {k: owed.get(k, 0) + later.get(k, 0) for k in set(owed) | set(later)}


@relaxed
@given(st.integers(-10**9, 10**9).filter(bool))
def test_an_adjustment_entry_moves_the_account_by_its_difference(diff):
    kind, amount = rules.adjustment_entry(diff)
    assert kind in rules.ENTRY_KINDS and amount > 0
    assert rules.entry_amount(kind, amount) == diff


def test_an_entry_kind_outside_the_account_is_refused():
    with pytest.raises(ValueError):
        rules.entry_amount("refund", 100)
    with pytest.raises(ValueError):
        rules.adjustment_entry(0)


demand_rows = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 500)), max_size=20,
                       unique_by=lambda row: (row[0], row[1]))
price_terms = st.dictionaries(st.integers(1, 4), st.tuples(
    st.integers(1, 10**5), st.lists(st.tuples(st.integers(2, 800), st.integers(1, 10**5)), max_size=3)))


@relaxed
@given(demand_rows, price_terms)
def test_a_purchase_line_prices_the_total_for_everyone(demand, prices):
    lines = rules.purchase_lines(demand, prices)
    assert set(lines) == {p for p, _m, _q in demand} | set(prices)
    for product, line in lines.items():
        assert line.quantities == {m: q for p, m, q in demand if p == product}
        if product not in prices:
            assert line.unit_price is None and line.amounts == {} and line.total is None
            continue
        base, tiers = prices[product]
        assert line.unit_price == rules.volume_unit_price(base, tiers, line.total_quantity)
        assert line.amounts == {m: q * line.unit_price for m, q in line.quantities.items()}
        assert line.total == line.total_quantity * line.unit_price


@relaxed
@given(demand_rows, price_terms, accounts)
def test_recording_the_dues_brings_the_account_to_the_amounts_due(demand, prices, entries):
    prices = {**prices, **{p: prices.get(p, (100, [])) for p, _m, _q in demand}}  # every product with demand priced
    lines = rules.purchase_lines(demand, prices)
    recorded = [((m, p), kind, amount) for (m, p), kind, amount in entries]
    new = rules.dues_to_record(lines, rules.net_owed(recorded))
    after = rules.net_owed(recorded + [((e.member, e.product), e.kind, e.amount) for e in new])
    due = {(m, p): a for p, line in lines.items() for m, a in line.amounts.items()}
    assert {k: v for k, v in after.items() if v} == {k: v for k, v in due.items() if v}
    assert len({(e.member, e.product) for e in new}) == len(new)  # one entry per (member, product) at most
    for e in new:
        if (e.member, e.product) in due:
            assert (e.quantity, e.unit_price) == (lines[e.product].quantities[e.member], lines[e.product].unit_price)
        else:  # the demand is gone: the entry takes back what was recorded
            assert (e.quantity, e.unit_price) == (0, 0)
    assert rules.dues_to_record(lines, rules.net_owed(recorded + [((e.member, e.product), e.kind, e.amount)
                                                                  for e in new])) == []


def test_dues_are_not_recorded_for_demand_without_a_supplier_price():
    with pytest.raises(ValueError):
        rules.dues_to_record(rules.purchase_lines([(1, 7, 3)], {}), {})


def test_the_campaign_statuses_the_alliance_acts_on():
    """Prices are agreed while a campaign is open, locked or live; every campaign that opened and was not
    cancelled counts towards the credit score."""
    from campaigns import rules as campaign_rules

    assert set(rules.ACTIVE_CAMPAIGN_STATUSES) == {"open", "locked", "live"}
    assert set(campaign_rules.CAMPAIGN_STATUSES) - set(rules.SCORED_CAMPAIGN_STATUSES) == {"draft", "cancelled"}

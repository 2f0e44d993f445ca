"""campaigns.rules.cost_of_joining: what a merchant is told before it opts in, against apportion()."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from campaigns.rules import RuleError, apportion, check_threshold, cost_of_joining

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

weights = st.integers(min_value=1, max_value=8)


@st.composite
def campaigns(draw):
    budget = draw(st.integers(min_value=0, max_value=2_000_000))
    cap_pct = draw(st.one_of(st.none(), st.integers(min_value=5, max_value=100)))
    cap = budget if cap_pct is None else budget * cap_pct // 100
    floor = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=max(0, cap // 3))))
    others = draw(st.dictionaries(st.integers(min_value=1, max_value=50), weights, max_size=12))
    min_participants = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=15)))
    min_pooled = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=budget)))
    return budget, cap_pct, floor, others, min_participants, min_pooled


@FAST
@given(campaigns(), weights, st.lists(weights, max_size=20))
def test_now_is_the_share_and_at_most_bounds_every_future(c, my_weight, newcomers):
    budget, cap_pct, floor, others, min_participants, min_pooled = c
    rule = {"min_share": floor, "max_share_pct": cap_pct}
    try:
        cost = cost_of_joining(budget, others, 0, my_weight, **rule, min_participants=min_participants,
                               min_pooled=min_pooled)
    except RuleError:
        return
    n = len(others) + 1
    if cost.more_needed == 0:
        try:
            share = apportion(budget, {**others, 0: my_weight}, **rule)[0]
        except RuleError as err:
            assert err.code == "floors_exceed_budget" and cost.now is None
        else:
            assert cost.now == share <= cost.at_most
            check_threshold(budget, n, min_participants=min_participants, min_pooled=min_pooled,
                            max_share_pct=cap_pct)  # enough: the campaign could go ahead now
    else:
        assert cost.now is None
        # one fewer than needed is not enough
        try:
            apportion(budget, {**others, 0: my_weight}, **rule)
            check_threshold(budget, n, min_participants=min_participants, min_pooled=min_pooled,
                            max_share_pct=cap_pct)
        except RuleError:
            pass
        else:
            raise AssertionError(f"{cost} but {n} participants are enough")
    # with the missing merchants (and any more), whatever their weights, the share is within at_most
    assume(len(newcomers) >= cost.more_needed)
    everyone = {**others, 0: my_weight, **{100 + i: w for i, w in enumerate(newcomers)}}
    try:
        share = apportion(budget, everyone, **rule)[0]
    except RuleError as err:
        assert err.code == "floors_exceed_budget"
        return
    check_threshold(budget, len(everyone), min_participants=min_participants, min_pooled=min_pooled,
                    max_share_pct=cap_pct)
    assert share <= cost.at_most


def test_examples():
    # a 30 % cap on ¥1,000 needs four merchants: with two in, one more is needed besides this one
    cost = cost_of_joining(100_000, {1: 1, 2: 2}, 3, 1, max_share_pct=30)
    assert (cost.now, cost.at_most, cost.more_needed) == (None, 30_000, 1)
    cost = cost_of_joining(100_000, {1: 1, 2: 2, 3: 1}, 4, 1, max_share_pct=30)
    assert (cost.now, cost.at_most, cost.more_needed) == (23_333, 30_000, 0)
    # already taking part: its own weight replaces the one among the others
    assert cost_of_joining(100_000, {1: 1, 2: 1}, 1, 1).now == 50_000
    # at least three participants, each paying at least ¥100: at most ¥1,000 - 2 × ¥100
    cost = cost_of_joining(100_000, {}, 4, 1, min_share=10_000, min_participants=3)
    assert (cost.now, cost.at_most, cost.more_needed) == (None, 80_000, 2)


def test_cost_of_joining_for_one_already_taking_part_and_at_the_smallest_cap():
    from campaigns.rules import JoinCost

    # a cap of 34 % needs three merchants: one taking part and one other make two, one more is needed
    assert cost_of_joining(1000_00, {1: 1, 2: 1}, 1, 1, max_share_pct=34).more_needed == 1
    assert cost_of_joining(1000_00, {2: 1}, 1, 1, max_share_pct=34).more_needed == 1
    # a cap of one fen still shares a budget of two fen between two merchants
    assert cost_of_joining(2, {}, 1, 1, max_share_pct=50) == JoinCost(None, 1, 1)
    with pytest.raises(RuleError) as info:  # a cap of nothing can never cover the budget
        cost_of_joining(100, {1: 1}, 2, 1, max_share_pct=Decimal("0.5"))
    assert (info.value.code, info.value.params) == ("caps_below_budget", {"n": 2, "cap": 0, "covered": 0,
                                                                         "budget": 100})


def test_cost_of_joining_edge_cases():
    from campaigns.rules import JoinCost

    assert cost_of_joining(0, {}, 1, 1) == JoinCost(0, 0, 0)  # nothing to share: nothing to pay
    with pytest.raises(RuleError):  # one fen under a cap of nothing
        cost_of_joining(1, {1: 1}, 2, 1, max_share_pct=50)
    # minimum shares of 60.00 for two out of 100.00: the campaign cannot take this merchant now
    assert cost_of_joining(100_00, {1: 1}, 2, 1, min_share=60_00) == JoinCost(None, 100_00, 0)
    assert JoinCost(1, 1, 0) != (1, 1, 0)

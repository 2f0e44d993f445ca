"""What a member still owes and what settling pays out: the money rules in campaigns/rules.py
(still_owed, Balances, ledger_balances, settlement_amounts), exactly, with the cases that decide them."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaigns.rules import (
    Balances,
    RuleError,
    asks_payment,
    ledger_balances,
    on_time_share,
    payout_plan,
    settlement_amounts,
    split_proportionally,
    still_owed,
)

money = st.integers(min_value=0, max_value=10**12)


@pytest.mark.parametrize(("share", "paid", "written_off", "cancelled", "owed"), [
    (100_00, 0, 0, False, 100_00),
    (100_00, 40_00, 0, False, 60_00),
    (100_00, 100_00, 0, False, 0),
    (100_00, 120_00, 0, False, 0),          # paid too much: owes nothing, never a negative debt
    (100_00, 99_99, 0, False, 1),           # to the fen
    (100_00, 40_00, 10_00, False, 50_00),   # written off: no longer owed
    (100_00, 40_00, 60_00, False, 0),
    (100_00, 40_00, 70_00, False, 0),
    (100_00, 40_00, 0, True, 0),            # cancelled: nothing is owed any more
    (100_00, 0, 0, True, 0),
    (None, 0, 0, False, 0),                 # a share the rule cannot compute yet
    (0, 0, 0, False, 0),
])
def test_still_owed_cases(share, paid, written_off, cancelled, owed):
    assert still_owed(share, paid, cancelled=cancelled, written_off=written_off) == owed


@given(share=money, paid=money, written_off=money)
def test_still_owed_is_what_is_left_of_the_share_and_never_negative(share, paid, written_off):
    owed = still_owed(share, paid, cancelled=False, written_off=written_off)
    assert owed == max(0, share - paid - written_off)
    assert still_owed(share, paid, cancelled=True, written_off=written_off) == 0


def test_balances_net_reversals_per_member_and_in_total():
    b = ledger_balances([
        ("pledge", 1, 300_00, None), ("pledge", 2, 200_00, None),
        ("payment", 1, 100_00, None), ("payment", 1, 50_00, None), ("reversal", 1, 50_00, "payment"),
        ("payment", 2, 200_00, None),
        ("expense", None, 80_00, None), ("expense", None, 5_00, None), ("reversal", None, 5_00, "expense"),
        ("write_off", 1, 20_00, None),
        ("refund", 2, 10_00, None), ("carry_to_fund", None, 3_00, None),
    ])
    assert (b.pledged, b.paid, b.spent, b.refunded, b.carried, b.written_off) == (
        500_00, 300_00, 80_00, 10_00, 3_00, 20_00)
    assert b.available == 300_00 - 80_00 - 10_00 - 3_00
    assert b.member_share == {1: 300_00, 2: 200_00}
    assert b.member_paid == {1: 100_00, 2: 200_00}
    assert b.member_refund == {2: 10_00}
    assert b.member_written_off == {1: 20_00}
    assert b.outstanding(1) == 300_00 - 100_00 - 20_00
    assert b.outstanding(2) == 0
    assert b.outstanding(1, cancelled=True) == 0
    assert b.outstanding(3) == 0  # not a participant


def test_empty_balances():
    b = Balances()
    assert (b.pledged, b.paid, b.spent, b.refunded, b.carried, b.written_off, b.available) == (0,) * 7
    assert b.outstanding(1) == 0


def test_settlement_refunds_in_proportion_to_payments_or_carries_everything():
    assert settlement_amounts("refund", 60_00, {1: 200_00, 2: 10_00}) == ({1: 57_14, 2: 2_86}, 0)
    assert settlement_amounts("carry", 60_00, {1: 200_00, 2: 10_00}) == ({}, 60_00)
    assert settlement_amounts("refund", 0, {1: 200_00}) == ({1: 0}, 0)
    with pytest.raises(ValueError, match="settlement mode"):
        settlement_amounts("keep", 60_00, {1: 1})


@given(available=st.integers(0, 10**9), paid=st.dictionaries(st.integers(1, 50), st.integers(1, 10**7), min_size=1,
                                                            max_size=8))
def test_settlement_pays_out_exactly_what_is_available(available, paid):
    refunds, carried = settlement_amounts("refund", available, paid)
    assert carried == 0 and sum(refunds.values()) == available and set(refunds) == set(paid)
    assert all(v >= 0 for v in refunds.values())
    # nobody gets back more than a fen over their exact proportion
    total = sum(paid.values())
    assert all(abs(refunds[m] * total - available * p) < total for m, p in paid.items())
    refunds, carried = settlement_amounts("carry", available, paid)
    assert (refunds, carried) == ({}, available)


def test_split_proportionally_examples():
    assert split_proportionally(10, {1: 1, 2: 1}) == {1: 5, 2: 5}
    assert split_proportionally(1, {1: 1, 2: 1}) in ({1: 1, 2: 0}, {1: 0, 2: 1})
    assert split_proportionally(100, {1: 3, 2: 1}) == {1: 75, 2: 25}


def test_a_pledge_alone_is_owed_in_full_and_a_stray_entry_counts_in_the_totals_only():
    b = ledger_balances([("pledge", 7, 250_00, None), ("expense", 7, 10_00, None), ("carry_to_fund", 7, 1_00, None)])
    assert b.outstanding(7) == 250_00  # nothing paid, nothing written off
    assert (b.spent, b.carried, b.member_paid, b.member_refund) == (10_00, 1_00, {}, {})


def test_split_proportionally_refuses_what_cannot_be_split():
    with pytest.raises(RuleError) as info:
        split_proportionally(1, {1: 0, 2: 0})  # one fen, nobody paid anything
    assert (info.value.code, info.value.params) == ("nothing_paid", {"amount": 1})
    assert split_proportionally(0, {1: 0, 2: 0}) == {1: 0, 2: 0}
    with pytest.raises(RuleError) as info:
        split_proportionally(-1, {1: 1})
    assert (info.value.code, info.value.params) == ("bad_budget", {"budget": -1})
    with pytest.raises(RuleError) as info:
        split_proportionally(10, {1: True})
    assert (info.value.code, info.value.params) == ("bad_paid", {"member": 1, "paid": True})
    with pytest.raises(TypeError, match=r"^amount must be an int"):
        split_proportionally(1.5, {1: 1})


def test_nothing_is_written_off_unless_said():
    assert still_owed(100_00, 40_00, cancelled=False) == 60_00


def test_payout_plan_refunds_only_those_who_paid_in_proportion():
    b = Balances()
    b.paid, b.spent = 210_00, 150_00
    b.member_paid.update({1: 200_00, 2: 10_00, 3: 0, 4: -5_00})  # 3 paid nothing; 4 net negative after a reversal
    assert b.available == 60_00
    assert payout_plan(b, "refund") == ({1: 57_14, 2: 2_86}, 0)
    assert payout_plan(b, "carry") == ({}, 60_00)


@given(st.dictionaries(st.integers(1, 30), st.integers(-1_000_00, 1_000_00), max_size=12), st.integers(0, 5_000_00),
       st.sampled_from(["refund", "carry"]))
def test_payout_plan_pays_out_exactly_what_is_available(paid, spent_share, mode):
    b = Balances()
    b.member_paid.update(paid)
    b.paid = sum(v for v in paid.values() if v > 0)
    b.spent = min(spent_share, b.paid)
    refunds, carried = payout_plan(b, mode)
    assert all(v >= 0 for v in refunds.values()) and carried >= 0
    assert set(refunds) <= {m for m, v in paid.items() if v > 0}
    if any(v > 0 for v in paid.values()) or mode == "carry":
        assert sum(refunds.values()) + carried == b.available


def test_an_account_reads_share_paid_written_off_owed_and_refund():
    b = ledger_balances([("pledge", 1, 300_00, None), ("payment", 1, 100_00, None), ("write_off", 1, 50_00, None),
                         ("pledge", 2, 300_00, None), ("payment", 2, 300_00, None), ("refund", 2, 20_00, None)])
    assert b.account(1, cancelled=False) == {"share_minor": 300_00, "paid_minor": 100_00, "written_off_minor": 50_00,
                                             "outstanding_minor": 150_00, "refund_minor": 0}
    assert b.account(2, cancelled=False) == {"share_minor": 300_00, "paid_minor": 300_00, "written_off_minor": 0,
                                             "outstanding_minor": 0, "refund_minor": 20_00}
    assert b.account(1, cancelled=True)["outstanding_minor"] == 0  # a cancelled campaign asks nothing more
    assert b.account(3, cancelled=False) == dict.fromkeys(
        ("share_minor", "paid_minor", "written_off_minor", "outstanding_minor", "refund_minor"), 0)


def test_a_member_who_paid_one_fen_shares_the_refund():
    b = Balances()
    b.paid = 100
    b.member_paid.update({1: 1, 2: 99})
    assert payout_plan(b, "refund") == ({1: 1, 2: 99}, 0)


@pytest.mark.parametrize(("status", "outstanding", "asked"), [
    ("locked", 1, True), ("live", 150_00, True), ("ended", 150_00, True),
    ("settled", 150_00, False), ("cancelled", 150_00, False), ("open", 150_00, False), ("draft", 1, False),
    ("locked", 0, False), ("ended", 0, False),
])
def test_a_member_is_asked_to_pay_only_while_the_ledger_takes_payments(status, outstanding, asked):
    assert asks_payment(status, outstanding) is asked


@pytest.mark.parametrize(("paid_by_start", "pledged", "share"), [
    (0, 100_00, 0.0),
    (25_00, 100_00, 0.25),
    (100_00, 100_00, 1.0),
    (150_00, 100_00, 1.0),  # more paid than pledged counts as all of it, never more
    (1, 3, 1 / 3),
    (50_00, 0, None),  # nothing pledged: no share to give
    (0, 0, None),
])
def test_on_time_share_is_what_was_paid_by_the_start_of_what_was_pledged(paid_by_start, pledged, share):
    assert on_time_share(paid_by_start, pledged) == share


@given(money, st.integers(min_value=1, max_value=10**12))
def test_on_time_share_stays_between_nothing_and_all(paid, pledged):
    assert 0.0 <= on_time_share(paid, pledged) <= 1.0

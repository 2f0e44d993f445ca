"""The campaign life cycle's pure rules (campaigns/rules.py): which moves are allowed, what the clock
does (opening a draft at its opening time too), the go/no-go threshold, receipts by their bytes, which way
an entry moves the money, and going live or ending early (the start moves to now, the end too; the
campaign's times stay consistent)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaigns.rules import (
    CAMPAIGN_STATUSES,
    CAMPAIGN_TRANSITIONS,
    MAX_RECEIPT_BYTES,
    MIN_RUN,
    RuleError,
    check_threshold,
    check_transition,
    due_transition,
    early_move_times,
    entry_direction,
    pooled_amount,
    sniff_receipt,
)

T0 = dt.datetime(2030, 11, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def test_every_allowed_move_passes_and_every_other_is_refused():
    for current in CAMPAIGN_STATUSES:
        for target in CAMPAIGN_STATUSES:
            if target in CAMPAIGN_TRANSITIONS[current]:
                check_transition(current, target)
            else:
                with pytest.raises(RuleError) as info:
                    check_transition(current, target)
                assert info.value.code == "bad_transition"
                assert info.value.params == {"current": current, "target": target}
    assert CAMPAIGN_TRANSITIONS["open"] == {"locked", "cancelled"}
    assert CAMPAIGN_TRANSITIONS["settled"] == CAMPAIGN_TRANSITIONS["cancelled"] == frozenset()


def test_an_unknown_status_is_refused_as_such():
    with pytest.raises(RuleError) as info:
        check_transition("open", "paused")
    assert (info.value.code, info.value.params) == ("unknown_status", {"target": "paused"})


SECOND = dt.timedelta(seconds=1)


@pytest.mark.parametrize(("status", "now", "opens_at", "expected"), [
    ("draft", T0, None, None),                     # a draft without an opening time waits for a person
    ("draft", T0 - HOUR, T0, None),                # not yet
    ("draft", T0 - SECOND, T0, None),              # not even a second early
    ("draft", T0, T0, "open"),                     # exactly at the opening time
    ("draft", T0 + HOUR, T0, "open"),              # the clock came late: it opens all the same
    ("open", T0 + HOUR, None, None),               # before the deadline (T0 + 2h)
    ("open", T0 + HOUR, T0 - HOUR, None),          # an opening time that has passed moves an open campaign nowhere
    ("open", T0 + 2 * HOUR, None, "locked"),       # at the deadline
    ("open", T0 + 2 * HOUR, T0, "locked"),         # with an opening time, the same
    ("locked", T0 + 3 * HOUR - SECOND, None, None),
    ("locked", T0 + 3 * HOUR, None, "live"),       # at the start
    ("locked", T0 + 3 * HOUR, T0, "live"),
    ("live", T0 + 4 * HOUR, None, None),
    ("live", T0 + 5 * HOUR, None, "ended"),        # at the end
    ("ended", T0 + 99 * HOUR, None, None),         # settling is a person's decision
    ("settled", T0 + 99 * HOUR, None, None),
    ("cancelled", T0 + 99 * HOUR, None, None),
    ("cancelled", T0 + 5 * HOUR, T0, None),        # an opening time does not reopen a cancelled campaign
])
def test_the_clock_moves_a_campaign_at_its_times(status, now, opens_at, expected):
    deadline, starts, ends = T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + 5 * HOUR
    assert due_transition(status, now, deadline, starts, ends, opens_at=opens_at) == expected


@pytest.mark.parametrize(("budget", "n", "pct", "pooled"), [
    (1000_00, 0, None, 0),
    (1000_00, 0, 50, 0),
    (1000_00, 1, None, 1000_00),
    (1000_00, 1, 30, 300_00),
    (1000_00, 3, 30, 900_00),
    (1000_00, 4, 30, 1000_00),        # never more than the budget
    (1000_01, 3, Decimal("33.33"), 3 * 333_30),  # 33.33 % of 1000.01 is 333.30(33): floored to the fen
    (100, 3, Fraction(100, 3), 99),
])
def test_what_the_participants_can_pool(budget, n, pct, pooled):
    assert pooled_amount(budget, n, pct) == pooled


def test_the_go_no_go_threshold():
    check_threshold(1000_00, 3, min_participants=3, min_pooled=None, max_share_pct=None)
    check_threshold(1000_00, 3, min_participants=None, min_pooled=900_00, max_share_pct=30)
    check_threshold(1000_00, 0, min_participants=None, min_pooled=None, max_share_pct=None)
    with pytest.raises(RuleError) as info:
        check_threshold(1000_00, 2, min_participants=3, min_pooled=None, max_share_pct=None)
    assert (info.value.code, info.value.params) == ("too_few_participants", {"n": 2, "min_participants": 3})
    with pytest.raises(RuleError) as info:
        check_threshold(1000_00, 3, min_participants=3, min_pooled=900_01, max_share_pct=30)
    assert (info.value.code, info.value.params) == ("too_little_pooled", {"pooled": 900_00, "min_pooled": 900_01})


@pytest.mark.parametrize(("head", "kind"), [
    (b"%PDF-1.7\n", "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
])
def test_receipts_are_judged_by_their_bytes(head, kind):
    assert sniff_receipt(head, len(head)) == kind
    assert sniff_receipt(head, MAX_RECEIPT_BYTES) == kind  # exactly the limit is fine


@pytest.mark.parametrize(("head", "size", "code"), [
    (b"%PDF-1.7", MAX_RECEIPT_BYTES + 1, "receipt_too_large"),
    (b"", 0, "receipt_empty"),
    (b"GIF89a", 6, "receipt_type"),
    (b"%PDF", 4, "receipt_type"),            # not the whole signature
    (b"\x89PNG\r\n\x1a", 7, "receipt_type"),
    (b"\xff\xd8", 2, "receipt_type"),
])
def test_receipts_refused(head, size, code):
    with pytest.raises(RuleError) as info:
        sniff_receipt(head, size)
    assert info.value.code == code
    if code == "receipt_too_large":
        assert info.value.params == {"size": MAX_RECEIPT_BYTES + 1, "max": "5 MB"}


@pytest.mark.parametrize(("entry_type", "reversed_type", "direction"), [
    ("payment", None, "in"),
    ("expense", None, "out"),
    ("refund", None, "out"),
    ("carry_to_fund", None, "out"),
    ("pledge", None, None),
    ("write_off", None, None),
    ("reversal", "payment", "out"),
    ("reversal", "expense", "in"),
    ("reversal", None, None),
])
def test_which_way_an_entry_moves_the_money(entry_type, reversed_type, direction):
    assert entry_direction(entry_type, reversed_type) == direction


def test_a_status_that_does_not_exist_moves_nowhere():
    with pytest.raises(RuleError) as info:
        check_transition("paused", "open")
    assert info.value.code == "bad_transition"


def test_only_a_reversal_turns_the_direction_round():
    assert entry_direction("pledge", "payment") is None
    assert entry_direction("write_off", "expense") is None


NOW = dt.datetime(2030, 11, 11, 12, tzinfo=dt.UTC)


def _moves(target, *, opens_at=None, optin_deadline=NOW - HOUR, starts_at=NOW + HOUR, ends_at=NOW + 2 * HOUR):
    return early_move_times(target, NOW, opens_at=opens_at, optin_deadline=optin_deadline, starts_at=starts_at,
                            ends_at=ends_at)


def test_early_moves_at_the_boundaries():
    assert _moves("live", starts_at=NOW) == {}  # starting now is not early
    assert _moves("live") == {"starts_at": NOW}
    assert _moves("live", optin_deadline=NOW) == {"starts_at": NOW}  # a deadline of now has passed
    assert _moves("live", optin_deadline=NOW + dt.timedelta(minutes=1), opens_at=NOW) == {
        "starts_at": NOW, "optin_deadline": NOW, "opens_at": NOW - dt.timedelta(seconds=1)}
    assert _moves("live", optin_deadline=NOW + dt.timedelta(minutes=1), opens_at=NOW - HOUR) == {
        "starts_at": NOW, "optin_deadline": NOW}
    assert _moves("ended", starts_at=NOW - HOUR, ends_at=NOW) == {}  # ending now is not early
    assert _moves("ended", starts_at=NOW - HOUR) == {"ends_at": NOW}


# --------------------------------------------------------------------------- early moves, for any times

BASE = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
offsets = st.integers(min_value=-40 * 86400, max_value=40 * 86400).map(lambda s: dt.timedelta(seconds=s))


@st.composite
def campaigns(draw):
    """Consistent times: opens_at < optin_deadline <= starts_at < ends_at, and a moment now."""
    deadline = BASE + draw(offsets)
    starts = deadline + dt.timedelta(seconds=draw(st.integers(0, 30 * 86400)))
    ends = starts + dt.timedelta(seconds=draw(st.integers(1, 30 * 86400)))
    opens = draw(st.none() | st.integers(1, 30 * 86400).map(lambda s: deadline - dt.timedelta(seconds=s)))
    return {"opens_at": opens, "optin_deadline": deadline, "starts_at": starts, "ends_at": ends}, BASE + draw(offsets)


def _consistent(t):
    assert t["opens_at"] is None or t["opens_at"] < t["optin_deadline"]
    assert t["optin_deadline"] <= t["starts_at"] < t["ends_at"]


@given(campaigns())
def test_going_live_never_leaves_a_future_start(case):
    times, now = case
    after = {**times, **early_move_times("live", now, **times)}
    assert after["starts_at"] <= now
    _consistent(after)
    if times["starts_at"] <= now:
        assert after == times  # on time or late: nothing moves


@given(campaigns())
def test_ending_never_leaves_a_future_end_after_the_start(case):
    times, now = case
    live = {**times, **early_move_times("live", now, **times)}
    after = {**live, **early_move_times("ended", now, **live)}
    assert after["ends_at"] <= max(now, after["starts_at"] + MIN_RUN)
    _consistent(after)


def test_early_move_examples():
    now = BASE
    times = {"opens_at": None, "optin_deadline": BASE + dt.timedelta(days=1), "starts_at": BASE + dt.timedelta(days=2),
             "ends_at": BASE + dt.timedelta(days=3)}
    assert early_move_times("live", now, **times) == {"starts_at": now, "optin_deadline": now}
    assert early_move_times("ended", now + dt.timedelta(days=1), **{**times, "starts_at": now}) == {
        "ends_at": now + dt.timedelta(days=1)}
    assert early_move_times("open", now, **times) == {}


def test_the_named_sets_of_statuses():
    """The subsets that code and templates test a status against, each named once in rules.py."""
    from campaigns import rules

    expected = {
        "SHARES_PREVIEW": {"draft", "open"},
        "SHARES_FROZEN": {"locked", "live", "ended", "settled", "cancelled"},
        "FINISHED": {"settled", "cancelled"},
        "LEDGER_OPEN": {"locked", "live", "ended"},
        "OWING": {"locked", "live", "ended", "settled"},
        "RAN_TO_END": {"ended", "settled"},
        "RUNNING": {"live"},
        "UPCOMING": {"open", "locked"},
        "EARLY_MOVES": {"live", "ended"},
    }
    assert {name: getattr(rules, name) for name in expected} == expected
    assert all(isinstance(getattr(rules, name), frozenset) for name in expected)

"""Going live early moves the start to now, ending early the end; the campaign's times stay consistent."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from campaigns import rules

UTC = dt.timezone.utc
BASE = dt.datetime(2026, 12, 1, tzinfo=UTC)
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
    after = {**times, **rules.early_move_times("live", now, **times)}
    assert after["starts_at"] <= now
    _consistent(after)
    if times["starts_at"] <= now:
        assert after == times  # on time or late: nothing moves


@given(campaigns())
def test_ending_never_leaves_a_future_end_after_the_start(case):
    times, now = case
    live = {**times, **rules.early_move_times("live", now, **times)}
    after = {**live, **rules.early_move_times("ended", now, **live)}
    assert after["ends_at"] <= max(now, after["starts_at"] + rules.MIN_RUN)
    _consistent(after)


def test_examples():
    now = BASE
    times = {"opens_at": None, "optin_deadline": BASE + dt.timedelta(days=1), "starts_at": BASE + dt.timedelta(days=2),
             "ends_at": BASE + dt.timedelta(days=3)}
    assert rules.early_move_times("live", now, **times) == {"starts_at": now, "optin_deadline": now}
    assert rules.early_move_times("ended", now + dt.timedelta(days=1), **{**times, "starts_at": now}) == {
        "ends_at": now + dt.timedelta(days=1)}
    assert rules.early_move_times("open", now, **times) == {}

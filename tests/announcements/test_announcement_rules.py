"""Property tests of campaigns/announcements/rules.py: ISO 8601 offsets, schedules, misfire, countdown."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaigns.announcements import rules
from campaigns.announcements.rules import Duration, RuleError

UTC = dt.timezone.utc
FAST = settings(max_examples=200, deadline=None)
ZONES = st.sampled_from(["Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
moments = st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2090, 1, 1),
                       timezones=st.just(UTC))
durations = st.builds(Duration, st.booleans(), st.integers(0, 3), st.integers(0, 11), st.integers(0, 20),
                      st.integers(0, 400), st.integers(0, 99), st.integers(0, 300), st.integers(0, 3600))


# --------------------------------------------------------------------------- durations


@pytest.mark.parametrize("text, expected", [
    ("-P3D", Duration(True, days=3)),
    ("-P3DT0H", Duration(True, days=3)),
    ("P1DT12H", Duration(days=1, hours=12)),
    ("-PT90M", Duration(True, minutes=90)),
    ("P2W", Duration(weeks=2)),
    ("+P1Y2M3DT4H5M6S", Duration(False, 1, 2, 0, 3, 4, 5, 6)),
    ("PT0S", Duration()),
])
def test_parses_iso_8601_durations(text, expected):
    assert rules.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "-P", "PT", "P1DT", "3 days", "-3D", "P-3D", "P1.5D", "PT1H1D", "P1S",
                                  "P１D", "p3d", "P3D ago", "--P3D", "P9999999D", "P20Y", "P3D\n1"])
def test_refuses_what_is_not_an_iso_8601_duration(text):
    with pytest.raises(RuleError) as err:
        rules.parse_duration(text)
    assert "ISO 8601" in str(err.value) or "at most" in str(err.value)


@FAST
@given(durations)
def test_format_and_parse_round_trip(d):
    if d.is_zero():
        d = Duration()  # a zero duration has no sign
    assert rules.parse_duration(rules.format_duration(d)) == d


@FAST
@given(st.text(max_size=30))
def test_parsing_anything_either_works_or_says_why(text):
    try:
        d = rules.parse_duration(text)
    except RuleError as err:
        assert err.message
    else:
        assert isinstance(d, Duration)


def test_offset_from_days_is_the_pages_phrase():
    assert rules.offset_from_days(3, before=True) == "-P3D"
    assert rules.offset_from_days(2, before=False) == "P2D"
    assert rules.offset_from_days(0, before=True) == "PT0S"
    assert rules.offset_from_days(1, 6, before=True) == "-P1DT6H"


# --------------------------------------------------------------------------- schedules


def test_ten_oclock_in_shanghai_is_two_oclock_utc():
    when = rules.local_to_utc(dt.date(2026, 12, 7), dt.time(10, 0), "Asia/Shanghai")
    assert when == dt.datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_three_days_before_the_start_at_ten():
    start = dt.datetime(2026, 12, 9, 16, 0, tzinfo=UTC)  # 10 Dec 00:00 Beijing time
    when = rules.relative_time(start, "-P3D", "Asia/Shanghai", dt.time(10, 0))
    assert when == dt.datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 7 Dec 10:00 Beijing time
    assert rules.relative_time(start, "-P3DT0H", "Asia/Shanghai") == dt.datetime(2026, 12, 6, 16, 0, tzinfo=UTC)
    assert rules.relative_time(start, "PT2H", "Asia/Shanghai") == dt.datetime(2026, 12, 9, 18, 0, tzinfo=UTC)


def test_days_are_wall_clock_days_across_a_clock_change():
    start = dt.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 in Berlin (summer time since 29 March)
    when = rules.relative_time(start, "-P3D", "Europe/Berlin")
    assert when.astimezone(ZoneInfo("Europe/Berlin")).hour == 10  # still 10:00, an hour earlier in UTC
    assert when == dt.datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


@FAST
@given(moments, st.integers(0, 400), ZONES)
def test_n_days_before_is_n_local_days_earlier_at_the_same_wall_time(moment, days, zone):
    when = rules.relative_time(moment, f"-P{days}D" if days else "PT0S", zone)
    local_m, local_w = moment.astimezone(ZoneInfo(zone)), when.astimezone(ZoneInfo(zone))
    assert (local_m.date() - local_w.date()).days == days
    assert when.tzinfo is not None and when.utcoffset() == dt.timedelta(0)


@FAST
@given(moments, st.integers(0, 60), st.integers(0, 23), st.integers(0, 59), ZONES)
def test_at_a_clock_time_lands_on_that_local_time(moment, days, hour, minute, zone):
    when = rules.relative_time(moment, f"-P{days}D", zone, dt.time(hour, minute))
    local = when.astimezone(ZoneInfo(zone))
    # a wall time that does not exist (a spring-forward gap) moves by the gap; otherwise exact
    assert (local.hour, local.minute) == (hour, minute) or abs(local.hour - hour) == 1


@FAST
@given(moments, st.integers(0, 100), st.integers(0, 100), ZONES)
def test_earlier_offsets_never_give_later_times(moment, a, b, zone):
    assert (rules.relative_time(moment, f"-P{max(a, b)}D", zone)
            <= rules.relative_time(moment, f"-P{min(a, b)}D", zone))


@FAST
@given(moments, durations.filter(lambda d: not d.years and not d.months), ZONES)
def test_moving_the_campaign_moves_the_announcement_by_the_same_days(moment, d, zone):
    offset = rules.format_duration(d)
    week = dt.timedelta(days=7)
    later = rules.relative_time(moment + week, offset, zone)
    earlier = rules.relative_time(moment, offset, zone)
    drift = abs((later - earlier) - week)
    assert drift <= dt.timedelta(hours=2)  # a clock change in between can add or take an hour


# --------------------------------------------------------------------------- checks and misfires


def test_a_time_in_the_past_is_refused():
    now = dt.datetime(2026, 11, 29, 12, tzinfo=UTC)
    with pytest.raises(rules.RuleError, match="already passed"):
        rules.check_schedule(now, now)
    rules.check_schedule(now + dt.timedelta(seconds=1), now)


@pytest.mark.parametrize("audience, channels, campaign, relative, message", [
    ([], ["email"], False, False, "at least one audience"),
    (["members"], [], False, False, "at least one channel"),
    (["participants"], ["inbox"], False, False, "campaign whose participants"),
    (["members"], ["inbox"], False, True, "needs the campaign"),
])
def test_audience_and_channel_choices(audience, channels, campaign, relative, message):
    with pytest.raises(rules.RuleError, match=message):
        rules.check_choice(audience, channels, campaign=campaign, relative=relative)


def test_a_feed_only_announcement_needs_no_audience():
    rules.check_choice([], ["feed"], campaign=False, relative=False)


@FAST
@given(moments, st.integers(-7200, 7200), st.integers(1, 7200))
def test_due_waits_fires_within_the_grace_and_misses_beyond(scheduled, late, grace_s):
    now = scheduled + dt.timedelta(seconds=late)
    grace = dt.timedelta(seconds=grace_s)
    decision = rules.due(scheduled, now, grace)
    if late < 0:
        assert decision == "wait"
    elif late <= grace_s:
        assert decision == "fire"
    else:
        assert decision == "missed"


def test_default_grace_is_an_hour():
    t = dt.datetime(2026, 11, 29, 2, tzinfo=UTC)
    assert rules.due(t, t + dt.timedelta(minutes=59)) == "fire"
    assert rules.due(t, t + dt.timedelta(minutes=61)) == "missed"


# --------------------------------------------------------------------------- countdown


@FAST
@given(moments, st.integers(0, 23), st.integers(1, 60), ZONES)
def test_next_daily_is_the_next_clock_time_within_a_day(after, hour, days, zone):
    until = after + dt.timedelta(days=days, hours=2)  # room for the next day (and a clock change)
    nxt = rules.next_daily(after, dt.time(hour, 0), zone, until)
    assert nxt is not None
    assert after < nxt <= after + dt.timedelta(days=1, hours=1)
    assert nxt.astimezone(ZoneInfo(zone)).hour in (hour, (hour + 1) % 24)


def test_next_daily_stops_at_the_end():
    after = dt.datetime(2026, 11, 11, 3, tzinfo=UTC)  # 11:00 Beijing time
    until = dt.datetime(2026, 11, 11, 16, tzinfo=UTC)  # midnight
    assert rules.next_daily(after, dt.time(10, 0), "Asia/Shanghai", until) is None
    assert rules.next_daily(after, dt.time(20, 0), "Asia/Shanghai", until) == dt.datetime(2026, 11, 11, 12, tzinfo=UTC)


def test_days_left_counts_local_days_and_an_end_at_midnight_belongs_to_the_day_before():
    end = dt.datetime(2026, 11, 13, 16, tzinfo=UTC)  # 14 Nov 00:00 Beijing: the last day is 13 Nov
    assert rules.days_left(dt.datetime(2026, 11, 11, 2, tzinfo=UTC), end, "Asia/Shanghai") == 2
    assert rules.days_left(dt.datetime(2026, 11, 13, 2, tzinfo=UTC), end, "Asia/Shanghai") == 0


@FAST
@given(moments, st.integers(0, 400), ZONES)
def test_days_left_never_negative_and_falls_by_one_a_day(now, days, zone):
    end = now + dt.timedelta(days=days, hours=1)
    left = rules.days_left(now, end, zone)
    assert left >= 0
    tomorrow = rules.days_left(now + dt.timedelta(days=1), end, zone)
    assert tomorrow in (max(0, left - 1), left - 2, left) or left == 0


def test_countdown_text():
    assert rules.countdown_text("双十一", 3) == "双十一：还剩 3 天"
    assert rules.countdown_text("双十一", 0) == "双十一：今天是最后一天！"
    assert rules.countdown_text("Double 11", 1, "en") == "Double 11: 1 day left"
    assert rules.countdown_text("Double 11", 5, "en") == "Double 11: 5 days left"
    assert rules.countdown_text("Double 11", 0, "en_US") == "Double 11: today is the last day!"

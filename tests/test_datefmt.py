"""Date ranges on one line, time only where it is not midnight (chamber/datefmt.py)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chamber.datefmt import date_range, local_date

D = dt.datetime


@pytest.mark.parametrize(("start", "end", "zh", "en"), [
    (D(2026, 12, 10), D(2026, 12, 13), "12月10日–12日", "10–12 Dec"),
    (D(2026, 12, 19), D(2026, 12, 29), "12月19日–28日", "19–28 Dec"),  # ends at midnight: the 28th is the last day
    (D(2026, 12, 10), D(2026, 12, 13, 18), "12月10日–13日 18:00", "10 Dec – 13 Dec, 18:00"),
    (D(2026, 11, 29), D(2026, 12, 3), "11月29日–12月2日", "29 Nov – 2 Dec"),
    (D(2026, 11, 29), D(2026, 12, 1), "11月29日–30日", "29–30 Nov"),
    (D(2026, 12, 10, 20), D(2026, 12, 13), "12月10日 20:00–12日", "10 Dec, 20:00 – 12 Dec"),
    (D(2026, 12, 10, 20), D(2026, 12, 11), "12月10日 20:00–24:00", "10 Dec, 20:00–24:00"),
    (D(2026, 12, 10), D(2026, 12, 11), "12月10日", "10 Dec"),
    (D(2026, 12, 10, 9, 30), D(2026, 12, 10, 18), "12月10日 09:30–18:00", "10 Dec, 09:30–18:00"),
    (D(2026, 11, 29, 20, 19), D(2026, 11, 29, 20, 23), "11月29日 20:19–20:23", "29 Nov, 20:19–20:23"),
    (D(2026, 12, 30), D(2027, 1, 2), "2026年12月30日–2027年1月1日", "30 Dec 2026 – 1 Jan 2027"),
    (D(2026, 12, 30), D(2027, 1, 1), "12月30日–31日", "30–31 Dec"),
    (D(2027, 6, 10), D(2027, 6, 20), "2027年6月10日–19日", "10–19 Jun 2027"),
])
def test_examples(start, end, zh, en):
    assert date_range(start, end, "zh", this_year=2026) == zh
    assert date_range(start, end, "en", this_year=2026) == en


def test_one_date():
    assert local_date(D(2026, 11, 29, 14, 19), "zh", this_year=2026) == "11月29日 14:19"
    assert local_date(D(2027, 1, 1), "en", this_year=2026) == "1 Jan 2027"


moments = st.datetimes(min_value=D(2000, 1, 1), max_value=D(2100, 1, 1)).map(
    lambda t: t.replace(second=0, microsecond=0))


@settings(deadline=None)  # a busy machine must not fail a pure function
@given(moments, moments, st.sampled_from(["zh", "en"]), st.integers(2000, 2100))
def test_a_range_is_one_line_with_the_times_that_matter(a, b, language, this_year):
    start, end = min(a, b), max(a, b)
    text = date_range(start, end, language, this_year=this_year)
    assert "\n" not in text
    midnight = (end.hour, end.minute) == (0, 0) and end > start
    last = (end - dt.timedelta(days=1)) if midnight else end  # an end at midnight closes the day before
    one_day = start.date() == last.date()
    whole_day = one_day and (start.hour, start.minute) == (last.hour, last.minute) == (0, 0)
    assert text.count("–") == (0 if whole_day else 1)
    days = re.findall(r"(\d+)日", text) if language == "zh" else re.findall(r"(\d+) [A-Z][a-z]{2}", text)
    assert days[-1] == str(last.day)  # the last day shown is the last day of the range
    for t in (start, end):
        if (t.hour, t.minute) != (0, 0):
            assert f"{t:%H:%M}" in text
    if one_day:
        assert len(days) == 1  # a range within a day names the day once: "11月29日 20:19–20:23"
    if (start.hour, start.minute) == (end.hour, end.minute) == (0, 0) and not one_day:
        assert ":" not in text  # no midnights
    if start.year != last.year or start.year != this_year:
        assert str(start.year) in text
    if language == "zh":
        assert "," not in text and "月" in text and text.endswith(("日", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))

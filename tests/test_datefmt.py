"""Date ranges on one line, time only where it is not midnight (chamber/datefmt.py)."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chamber.datefmt import date_range, local_date

D = dt.datetime


@pytest.mark.parametrize(("start", "end", "zh", "en"), [
    (D(2026, 12, 10), D(2026, 12, 13), "12月10日–13日", "10–13 Dec"),
    (D(2026, 11, 29), D(2026, 12, 3), "11月29日–12月3日", "29 Nov – 3 Dec"),
    (D(2026, 12, 10, 20), D(2026, 12, 13), "12月10日 20:00–13日", "10 Dec, 20:00 – 13 Dec"),
    (D(2026, 12, 10, 9, 30), D(2026, 12, 10, 18), "12月10日 09:30–18:00", "10 Dec, 09:30–18:00"),
    (D(2026, 12, 30), D(2027, 1, 2), "2026年12月30日–2027年1月2日", "30 Dec 2026 – 2 Jan 2027"),
    (D(2027, 6, 10), D(2027, 6, 20), "2027年6月10日–20日", "10–20 Jun 2027"),
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
    whole_day = start.date() == end.date() and (start.hour, start.minute) == (end.hour, end.minute) == (0, 0)
    assert text.count("–") == (0 if whole_day else 1)
    assert str(end.day) in (text if start.date() == end.date() else text.split("–")[-1])
    for t in (start, end):
        if (t.hour, t.minute) != (0, 0):
            assert f"{t:%H:%M}" in text
    if (start.hour, start.minute) == (end.hour, end.minute) == (0, 0) and start.date() != end.date():
        assert ":" not in text  # no midnights
    if start.year != end.year or start.year != this_year:
        assert str(start.year) in text
    if language == "zh":
        assert "," not in text and "月" in text and text.endswith(("日", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))

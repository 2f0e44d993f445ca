"""Dates and date ranges as people write them on a phone, in Chinese or English: pure, standard library only.

`date_range(12-10 00:00, 12-13 00:00, "zh")` → "12月10日–12日": a range that ends exactly at midnight ends
with the day before (its last whole day); a time is shown only where it is not midnight, the year only where
it is not this year (or the range spans two years); a range within one day names the day once. The times given are
already in the chamber's zone (chamber/i18n.py converts them).
"""
from __future__ import annotations

import datetime as dt

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _midnight(value: dt.datetime) -> bool:
    return value.hour == 0 and value.minute == 0


def _zh_date(value: dt.datetime, *, year: bool, month: bool = True) -> str:
    return (f"{value.year}年" if year else "") + (f"{value.month}月" if month else "") + f"{value.day}日"


def _en_date(value: dt.datetime, *, year: bool) -> str:
    return f"{value.day} {MONTHS_EN[value.month - 1]}" + (f" {value.year}" if year else "")


def local_date(value: dt.datetime, language: str, *, this_year: int | None = None, time: bool = True) -> str:
    """One date (and its time unless midnight or time=False): "12月10日 20:00" / "10 Dec, 20:00"."""
    year = this_year is not None and value.year != this_year
    clock = f"{value:%H:%M}" if time and not _midnight(value) else ""
    if language.startswith("zh"):
        return _zh_date(value, year=year) + (f" {clock}" if clock else "")
    return _en_date(value, year=year) + (f", {clock}" if clock else "")


def date_range(start: dt.datetime, end: dt.datetime, language: str, *, this_year: int | None = None) -> str:
    """A range on one line: "12月10日–13日", "11月29日 20:00–12月3日", "10–13 Dec", "29 Nov – 3 Dec 2027".

    An end at midnight is the end of the day before: 12-19 00:00 to 12-29 00:00 is "12月19日–28日", and
    12-10 20:00 to 12-11 00:00 is "12月10日 20:00–24:00". Exact times (calendars, CSVs) are not for this.
    """
    if _midnight(end) and end > start:
        end = end - dt.timedelta(days=1)  # its date is the last day; midnight stays "no clock" below
    years_differ = start.year != end.year
    show_year = years_differ or (this_year is not None and start.year != this_year)
    start_clock = "" if _midnight(start) else f"{start:%H:%M}"
    end_clock = "" if _midnight(end) else f"{end:%H:%M}"
    same_day = start.date() == end.date()
    same_month = (start.year, start.month) == (end.year, end.month)
    if language.startswith("zh"):
        left = _zh_date(start, year=show_year)
        if same_day:
            if not end_clock and not start_clock:
                return left
            return f"{left} {start_clock or '00:00'}–{end_clock or '24:00'}"
        right = _zh_date(end, year=years_differ, month=not same_month)
        return (f"{left} {start_clock}" if start_clock else left) + "–" + (f"{right} {end_clock}" if end_clock else right)  # noqa: E501
    if same_day:
        day = _en_date(start, year=show_year)
        if not end_clock and not start_clock:
            return day
        return f"{day}, {start_clock or '00:00'}–{end_clock or '24:00'}"
    if not start_clock and not end_clock and same_month:
        return f"{start.day}–{_en_date(end, year=show_year)}"
    left = _en_date(start, year=years_differ) + (f", {start_clock}" if start_clock else "")
    right = _en_date(end, year=show_year) + (f", {end_clock}" if end_clock else "")
    return f"{left} – {right}"


def spreadsheet_time(value: dt.datetime) -> str:
    """A local time as spreadsheets read it as a date and time: "2026-11-29 14:19" (no offset, no seconds)."""
    return f"{value:%Y-%m-%d %H:%M}"

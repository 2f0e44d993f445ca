"""Pure rules of the core: USCC check character, money, lock-out, slugs."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chamber.rules import (
    USCC_ALPHABET,
    RuleError,
    check_slug,
    check_uscc,
    display_money,
    format_money,
    lockout_remaining,
    make_uscc,
    minutes_ceil,
    parse_money,
    parse_weight,
    uscc_check_char,
)


@pytest.mark.parametrize("code", [
    "91350100M000100Y43",  # the standard's own example
    "9144030071526726XG",  # codes of well-known companies, from their public licences
    "914403001922038216",
    "91330100716105852F",
    "91110108551385082Q",
])
def test_known_valid_usccs(code):
    assert check_uscc(code) == code


def test_lowercase_is_accepted_and_upper_cased():
    assert check_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("code, error", [
    ("91350100M000100Y4", "uscc_length"),
    ("91350100M000100Y433", "uscc_length"),
    ("91350100M000100Y44", "uscc_check"),
    ("91350100I000100Y43", "uscc_char"),
    ("91350100O000100Y43", "uscc_char"),
    ("9135A100M000100Y43", "uscc_region"),
    ("91350100M000100Y4-", "uscc_char"),
    ("01350100M000100Y43", "uscc_authority"),
    ("B1350100M000100Y43", "uscc_authority"),
])
def test_invalid_usccs(code, error):
    with pytest.raises(RuleError) as info:
        check_uscc(code)
    assert info.value.code == error


def test_error_says_which_character_and_expected_check():
    with pytest.raises(RuleError) as info:
        check_uscc("91350100M000100Y44")
    assert info.value.params == {"got": "4", "expected": "3"}
    with pytest.raises(RuleError) as info:
        check_uscc("91350100I000100Y43")
    assert info.value.params == {"pos": 9, "char": "I"}


body = st.text(alphabet=USCC_ALPHABET, min_size=15, max_size=15)


@given(head=st.sampled_from(["91", "92", "93", "11", "51", "Y1", "N2", "A1"]), region=st.integers(110000, 820000), rest=st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
def test_make_uscc_always_valid_and_any_single_substitution_is_caught(head, region, rest):
    code = make_uscc(f"{head}{region:06d}{rest}")
    assert check_uscc(code) == code
    # changing any one character of the first 17 changes the check character (31 is prime)
    for pos in range(17):
        for char in USCC_ALPHABET[:5]:
            if char != code[pos] and (pos not in range(2, 8) or char.isdigit()):
                altered = code[:pos] + char + code[pos + 1:]
                assert uscc_check_char(altered[:17]) != code[17]


@pytest.mark.parametrize("text, minor", [("1250.00", 125000), ("1250", 125000), ("0.5", 50), ("0.01", 1), ("1250.10", 125010), ("007", 700),
                                         ("12,000", 1200000), ("¥12,000.00", 1200000), ("1,234,567.89", 123456789),
                                         ("￥800", 80000), ("12，000", 1200000)])
def test_parse_money(text, minor):
    assert parse_money(text, "CNY") == minor


@pytest.mark.parametrize("value, code", [
    (1250, "money_type"), (12.5, "money_type"), (None, "money_type"), ("12.345", "money_digits"), ("-1", "money_negative"),
    ("abc", "money_format"), ("1e5", "money_format"), ("", "money_format"), ("9" * 16, "money_format"),
    ("12,00", "money_format"), ("1,2345", "money_format"), ("1,000,00", "money_format"), (",100", "money_format"),
    ("1,,000", "money_format"), ("1000,000", "money_format"), ("¥¥1", "money_format"), ("1,000.", "money_format"),
    ("-¥1,000", "money_negative"),
])
def test_parse_money_refuses(value, code):
    with pytest.raises(RuleError) as info:
        parse_money(value, "CNY")
    assert info.value.code == code


def test_yen_has_no_decimals():
    assert parse_money("1200", "JPY") == 1200
    with pytest.raises(RuleError):
        parse_money("1200.5", "JPY")
    assert format_money(1200, "JPY") == "1200"


@given(st.integers(-10**12, 10**12))
def test_money_round_trip(minor):
    assert parse_money(format_money(minor, "CNY"), "CNY", allow_negative=True) == minor


@given(st.integers(0, 10**14))
def test_money_as_the_app_shows_it_is_accepted_back(minor):
    """"¥12,000.00" on a page may be typed back into a money field (and the API's pattern says so)."""
    from chamber.forms import MONEY_PATTERN

    shown = display_money(minor, "CNY")
    assert parse_money(shown, "CNY") == minor
    assert re.fullmatch(MONEY_PATTERN, shown)
    assert parse_money(shown.replace(",", ""), "CNY") == minor


def test_format_money_has_exactly_two_digits():
    assert format_money(5, "CNY") == "0.05"
    assert format_money(-125000, "CNY") == "-1250.00"


@pytest.mark.parametrize("value", ["0", "-1", "abc", 2, "1.23456", ""])
def test_bad_weights(value):
    with pytest.raises(RuleError):
        parse_weight(value)


NOW = dt.datetime(2026, 11, 11, 12, 0, tzinfo=dt.timezone.utc)


def ago(minutes: float) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes)


def test_lockout_rule():
    assert lockout_remaining([ago(1), ago(2), ago(3), ago(4)], NOW) is None
    remaining = lockout_remaining([ago(1), ago(2), ago(3), ago(4), ago(5)], NOW)
    assert remaining == dt.timedelta(minutes=10)  # the 5th-newest failure ages out in 10 minutes
    assert lockout_remaining([ago(1), ago(2), ago(3), ago(4), ago(16)], NOW) is None
    assert minutes_ceil(dt.timedelta(seconds=61)) == 2 and minutes_ceil(dt.timedelta(seconds=1)) == 1


@pytest.mark.parametrize("slug, ok", [("xihu", True), ("a", True), ("xihu-2026", True), ("-x", False), ("x-", False), ("Xihu", False), ("西湖", False), ("a" * 41, False)])
def test_slugs(slug, ok):
    if ok:
        assert check_slug(slug) == slug
    else:
        with pytest.raises(RuleError):
            check_slug(slug)


@pytest.mark.parametrize("minor, currency, text", [
    (123456, "CNY", "¥1,234.56"), (5, "CNY", "¥0.05"), (-100000, "CNY", "-¥1,000.00"), (1200, "JPY", "¥1,200"),
    (100, "HKD", "HK$1.00"),
])
def test_display_money(minor, currency, text):
    from chamber.rules import display_money

    assert display_money(minor, currency) == text


def test_the_largest_id_is_written_once(app):
    """chamber.rules.MAX_ID (the INTEGER columns' limit): URLs, forms and the API document follow it; nothing
    else in the app types 2**31 - 1."""
    from chamber.api import form_schema
    from chamber.chambers.forms import OrganizerForm
    from chamber.rules import MAX_ID
    from chamber.web import IdConverter

    assert MAX_ID == 2**31 - 1
    assert IdConverter(app.url_map).max == MAX_ID
    assert form_schema(OrganizerForm)["properties"]["member_id"]["maximum"] == MAX_ID
    root = Path(__file__).resolve().parents[1]
    typed = re.compile(r"2\s*\*\*\s*31|2147483647")
    found = [str(p.relative_to(root)) for folder in ("chamber", "campaigns", "bench") for p in (root / folder).rglob("*.py")
             if typed.search(p.read_text())]
    assert found == ["chamber/rules.py"]

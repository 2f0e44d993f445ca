"""Pure decision rules of the chamber core: no Flask, no database.

USCC check character, money parsing and formatting, the login lock-out rule, slugs.
Messages are English templates marked with N_() for extraction; callers translate them.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit


def N_(s: str) -> str:
    """Mark a message for extraction without translating it here."""
    return s


class RuleError(ValueError):
    """A rule was broken: the one error type of every rules module of the app.

    ``code`` says which rule, ``message`` is an English template (marked N_, translated by the
    caller, chamber.errors.rule_message) filled from ``params``. A rules module that keeps its
    templates in one table registers them (register_messages) and raises with the code only.
    """

    _templates: ClassVar[dict[str, str]] = {}

    def __init__(self, code: str, message: str | None = None, **params: Any) -> None:
        self.code = code
        self.message = message if message is not None else self._templates[code]
        self.params = params
        super().__init__(self.message % params if params else self.message)

    def __repr__(self) -> str:
        return f"RuleError({self.code!r}, **{self.params!r})"


def register_messages(messages: dict[str, str]) -> None:
    """Make these code → template messages known to RuleError(code, **params); codes are unique app-wide."""
    clash = {c for c, m in messages.items() if RuleError._templates.get(c, m) != m}
    if clash:
        raise ValueError(f"rule error codes already used with another message: {sorted(clash)}")
    RuleError._templates.update(messages)


#: the largest id a request may name: ids are the databases' INTEGER columns (a larger one overflows SQLite and is
#: refused by PostgreSQL), so URLs, forms and the API refuse anything above it
MAX_ID = 2**31 - 1
#: the largest file anyone may upload (a receipt, a complaint's evidence): 5 MiB
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
#: the largest picture shown on a page (an offer card's picture, a collection QR code, a catalogue picture)
MAX_PICTURE_BYTES = 2 * 1024 * 1024


def megabytes(size: int) -> str:
    """A size limit as people read it in messages and labels: 5 * 1024 * 1024 → "5 MB", 1.5 MiB → "1.5 MB"."""
    return f"{plain_decimal((Decimal(size) / (1024 * 1024)).quantize(Decimal('0.1')))} MB"


# --- Unified Social Credit Code (GB 32100-2015) -------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: first character: the registering authority (9 = market regulator, i.e. businesses; Y = others)
USCC_AUTHORITIES = "123456789ANY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters of a USCC."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(code: str) -> str:
    """Validate a USCC and return it upper-cased, or raise RuleError saying what is wrong."""
    code = code.strip().upper()
    if len(code) != 18:
        raise RuleError("uscc_length", N_("A Unified Social Credit Code has 18 characters, not %(n)d."), n=len(code))
    for pos, char in enumerate(code, start=1):
        if char not in USCC_ALPHABET:
            raise RuleError(
                "uscc_char",
                N_("Character %(pos)d (“%(char)s”) is not allowed: a USCC uses digits and the letters A–Y except I, O, S, V and Z."),  # noqa: E501
                pos=pos, char=char,
            )
    if code[0] not in USCC_AUTHORITIES:
        raise RuleError(
            "uscc_authority",
            N_("Character 1 (“%(char)s”) is not a registration authority: a USCC starts with 1–9, A, N or Y (9 for businesses)."),  # noqa: E501
            char=code[0],
        )
    if not re.fullmatch(r"[0-9]{6}", code[2:8]):
        raise RuleError("uscc_region", N_("Characters 3 to 8 must be a six-digit administrative division code."))
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise RuleError(
            "uscc_check",
            N_("The check character (the 18th) is “%(got)s” but should be “%(expected)s”: the code has a typo."),
            got=code[17], expected=expected,
        )
    return code


def make_uscc(first17: str) -> str:
    """Complete 17 characters into a valid USCC (demo data and tests)."""
    return first17 + uscc_check_char(first17)


# --- Money ------------------------------------------------------------------------------

#: ISO 4217 minor digits of the currencies a chamber may keep its books in.
CURRENCY_DIGITS = {"CNY": 2, "HKD": 2, "MOP": 2, "TWD": 2, "USD": 2, "EUR": 2, "JPY": 0}
#: what a new chamber keeps its books in and tells its time by unless its founder chooses otherwise; only
#: there: money and times are always shown in the chamber's own currency and zone, never in these
NEW_CHAMBER_CURRENCY = "CNY"
NEW_CHAMBER_TIMEZONE = "Asia/Shanghai"


#: a money amount as typed or as shown: "-12000.5", "12,000.00", "¥12,000" (groups of exactly three digits
#: after the first comma; at most 15 whole digits either way)
MONEY_TEXT = re.compile(
    r"(?P<sign>-)?[¥￥]?(?P<num>(?:[0-9]{1,15}|[0-9]{1,3}(?:[,，][0-9]{3}){1,4})(?:\.[0-9]+)?)"
)


def parse_money(value: object, currency: str, *, allow_negative: bool = False) -> int:
    """Parse a decimal string into integer minor units of currency, refusing floats and extra digits.

    The amount may be written as the app shows it: "¥12,000.00" (a leading ¥, commas between groups of three
    digits). Ambiguous groupings ("12,00", "1,2345") are refused.
    """
    digits = CURRENCY_DIGITS[currency]
    if not isinstance(value, str):
        raise RuleError("money_type", N_("Give the amount as a decimal string, e.g. “1250.00”."))
    text = value.strip()
    match = MONEY_TEXT.fullmatch(text)
    if match is None:
        raise RuleError("money_format",
                        N_("“%(value)s” is not an amount: use digits with an optional decimal point, e.g. “1250.00”."),
                        value=text[:40])
    try:
        amount = Decimal((match["sign"] or "") + match["num"].replace(",", "").replace("，", ""))
    except InvalidOperation:  # pragma: no cover - the regex already guarantees a decimal
        raise RuleError("money_format", N_("“%(value)s” is not an amount."), value=text[:40]) from None
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > digits and amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise RuleError("money_digits", N_("%(currency)s amounts have at most %(digits)d decimal places."),
                        currency=currency, digits=digits)
    if amount < 0 and not allow_negative:
        raise RuleError("money_negative", N_("The amount cannot be negative."))
    return int(amount.scaleb(digits))


#: what people type for an amount besides plain decimals: an optional ¥, digits with or without
#: thousands separators (120,000 or 120，000), an optional 千/万/亿 and an optional 元
AMOUNT_WORDS = re.compile(
    r"[¥￥]?\s*(?P<num>[0-9]{1,15}(?:\.[0-9]+)?|[0-9]{1,3}(?:[,，][0-9]{3})+(?:\.[0-9]+)?)"
    r"\s*(?P<unit>[千万亿])?\s*元?"
)
AMOUNT_UNITS = {None: 0, "千": 3, "万": 4, "亿": 8}
#: the largest amount (in whole currency units) an amount in words may come to: 15 digits, as parse_money
MAX_WHOLE_AMOUNT = 10**15


def parse_amount_words(value: object, currency: str) -> int:
    """An amount as people type it — "36万", "120,000", "1.2亿", "¥3,500.50", "8千元" — in minor units.

    Only ASCII digits count (a full-width ３ is refused, as parse_money does); never negative; the
    result has at most the currency's minor digits ("1.234567万" yuan is refused) and at most 15
    whole digits.
    """
    if not isinstance(value, str):
        raise RuleError("money_type", N_("Give the amount as a decimal string, e.g. “1250.00”."))
    text = value.strip()
    match = AMOUNT_WORDS.fullmatch(text)
    if match is None:
        raise RuleError("amount_words",
                        N_("“%(value)s” is not an amount: write it as 360000, 360,000 or 36万."), value=text[:40])
    amount = Decimal(match["num"].replace(",", "").replace("，", "")).scaleb(AMOUNT_UNITS[match["unit"]])
    digits = CURRENCY_DIGITS[currency]
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise RuleError("money_digits", N_("%(currency)s amounts have at most %(digits)d decimal places."),
                        currency=currency, digits=digits)
    if amount >= MAX_WHOLE_AMOUNT:
        raise RuleError("amount_too_large", N_("“%(value)s” is too large an amount."), value=text[:40])
    return int(amount.scaleb(digits))


def with_web_scheme(link: str) -> str:
    """A shop link as typed ("shop.example.cn/x") with https:// in front when it names no scheme."""
    link = link.strip()
    if link and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:(?![0-9])", link):
        return "https://" + link.lstrip("/")
    return link


def format_money(amount_minor: int, currency: str) -> str:
    """Integer minor units as the API's decimal string with exactly the currency's digits."""
    digits = CURRENCY_DIGITS[currency]
    sign = "-" if amount_minor < 0 else ""
    whole, frac = divmod(abs(amount_minor), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"


def plain_decimal(value: Decimal) -> str:
    """A Decimal as people write it: no exponent, no trailing zeros ("10", "2.5")."""
    return f"{value.normalize():f}"


CURRENCY_SYMBOLS = {"CNY": "¥", "HKD": "HK$", "MOP": "MOP$", "TWD": "NT$", "USD": "$", "EUR": "€", "JPY": "¥"}


def display_money(amount_minor: int, currency: str) -> str:
    """An amount as people read it: symbol, thousands separators, the currency's digits (¥1,234.50)."""
    whole, _sep, frac = format_money(abs(amount_minor), currency).partition(".")
    sign = "-" if amount_minor < 0 else ""
    grouped = f"{int(whole):,}"
    return f"{sign}{CURRENCY_SYMBOLS.get(currency, currency + ' ')}{grouped}{'.' + frac if frac else ''}"


def parse_weight(value: object) -> Decimal:
    """A tier weight: a positive decimal string with at most 4 decimals."""
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,4})?", value.strip()):
        raise RuleError("weight_format",
                        N_("A weight is a positive number with at most 4 decimals, e.g. “2” or “1.5”."))
    weight = Decimal(value.strip())
    if weight <= 0:
        raise RuleError("weight_positive", N_("A weight must be greater than zero."))
    return weight


# --- Login lock-out ---------------------------------------------------------------------

#: wrong passwords for one account from one client address before that address is locked out of it
MAX_FAILURES = 5
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
#: wrong passwords for one account from all addresses together before it is locked for everyone:
#: a guesser needs at least 4 addresses (5 each) to lock someone else out of their account
ACCOUNT_MAX_FAILURES = 20
ACCOUNT_WINDOW = dt.timedelta(hours=1)


def lockout_remaining(failures: Iterable[dt.datetime], now: dt.datetime, *, limit: int = MAX_FAILURES,
                      window: dt.timedelta = LOCKOUT_WINDOW) -> dt.timedelta | None:
    """How long a lock lasts: `limit` failures within `window` lock until the limit-th newest ages out."""
    recent = sorted((t for t in failures if now - t < window), reverse=True)
    if len(recent) < limit:
        return None
    return recent[limit - 1] + window - now


def login_lockout(attempts: Iterable[tuple[dt.datetime, bool, str | None]], address: str | None,
                  now: dt.datetime) -> dt.timedelta | None:
    """How long a login to one account from address must wait, given its (at, succeeded, address) attempts.

    5 failures from this address within 15 minutes lock this address out of the account; 20 from
    anywhere within an hour lock the account for everyone. A success ends the count before it:
    from this address for the first rule, from anywhere for the second.
    """
    attempts = list(attempts)
    here_since = max((t for t, ok, a in attempts if ok and a == address), default=None)
    anywhere_since = max((t for t, ok, _a in attempts if ok), default=None)
    here = [t for t, ok, a in attempts if not ok and a == address and (here_since is None or t > here_since)]
    anywhere = [t for t, ok, _a in attempts if not ok and (anywhere_since is None or t > anywhere_since)]
    waits = [w for w in (lockout_remaining(here, now),
                         lockout_remaining(anywhere, now, limit=ACCOUNT_MAX_FAILURES, window=ACCOUNT_WINDOW))
             if w is not None]
    return max(waits, default=None)


def minutes_ceil(delta: dt.timedelta) -> int:
    """Whole minutes, rounded up, at least 1 (for “try again in N minutes”)."""
    return max(1, -(-int(delta.total_seconds()) // 60))


# --- Where to send someone next -----------------------------------------------------------

def local_path(target: object) -> str | None:
    """target if it is a path on this site (a safe ?next=), else None.

    Browsers drop tabs and newlines from a Location and read a backslash as a slash, so a tab or
    a backslash between two slashes would lead off the site. Refused rather than cleaned: any
    control, format or space character or backslash, anything not starting with one slash, and
    anything with a scheme or host; the path part is checked again after each percent-decoding.
    """
    if not isinstance(target, str) or not target or len(target) > 2000:
        return None
    candidate, seen = target, set()
    while candidate not in seen:
        seen.add(candidate)
        if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
            return None
        if any(unicodedata.category(c)[0] in "CZ" for c in candidate):
            return None
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc:
            return None
        # decoded, only the path matters: a space in a query value (?q=a%20b) leads nowhere else
        candidate = unquote(re.split(r"[?#]", candidate, maxsplit=1)[0])
    return target


# --- Slugs ------------------------------------------------------------------------------

#: the longest slug (of a chamber, a campaign, a tier): the columns, the forms and every lookup by slug follow it
MAX_SLUG = 40
SLUG_RE = re.compile(rf"[a-z0-9](?:[a-z0-9-]{{0,{MAX_SLUG - 2}}}[a-z0-9])?")
#: a WeChat ID as WeChat allows one: 6–20 letters, digits, - or _, starting with a letter
WECHAT_ID = re.compile(r"[A-Za-z][-_A-Za-z0-9]{5,19}")


def check_slug(slug: str) -> str:
    """A URL slug: 1–MAX_SLUG lowercase letters, digits and inner hyphens."""
    if not SLUG_RE.fullmatch(slug):
        raise RuleError("slug", N_("Use 1–%(max)d lowercase letters, digits and hyphens (not at the start or end)."),
                        max=MAX_SLUG)
    return slug

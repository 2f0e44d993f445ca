"""Languages (zh_CN, en) and time zones: chosen, remembered, and applied when showing times."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from babel import dates
from flask import Flask, g, request
from flask_babel import Babel, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.datastructures import LanguageAccept

from . import catalogs, datefmt
from .features import Feature
from .models import LOCALES

LANG_COOKIE = "lang"


def select_locale() -> str:
    """The user's saved choice, else the language cookie, else Accept-Language, else zh_CN."""
    forced = g.get("force_locale")
    if forced:
        return forced
    saved = None
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        saved = current_user.locale
    return choose_locale(request.args.get("lang"), saved, request.cookies.get(LANG_COOKIE), request.accept_languages)


def choose_locale(asked: str | None, saved: str | None, cookie: str | None, accept: LanguageAccept) -> str:
    """A shared link's ?lang=, else the account's choice, else the language cookie, else Accept-Language.

    One rule for the app and for the front cache (chamber/caching.py), which picks the language of
    a cached public page before Flask runs.
    """
    if asked in LOCALES:
        return str(asked)  # a shared link in one language (the cached public pages' switch)
    if saved:
        return saved
    if cookie in LOCALES:
        return str(cookie)
    return accept.best_match(LOCALES, default="zh_CN") or "zh_CN"


def init_app(app: Flask, features: Sequence[Feature]) -> None:
    """Babel with the core's catalog and each enabled feature's (chamber/catalogs.py), merged: a msgid in two
    catalogs has the same translation in both (tests/test_translations.py)."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(str(d) for d in catalogs.directories(features))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["LOCALES"] = {"zh_CN": "中文", "en": "English"}
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.globals["date_range"] = date_range
    app.jinja_env.globals["zone_name"] = zone_name
    app.jinja_env.globals["glue"] = glue
    app.jinja_env.filters["list_words"] = list_words


def glue(first: object, then: object) -> Markup:
    """Two parts of one line — a sentence and the next, a label and its value — with the language's spacing:
    "You owe ¥10.00. Pay by …" but "您需支付 ¥10.00。请于…" (no space after Chinese punctuation).

    Markup stays markup (a <strong> amount); anything else is escaped.
    """
    # TRANSLATORS: two parts of one line (a sentence and the next, or a label and its value); Chinese puts no
    # space after 。：，
    # the pattern is the app's own catalog; Markup's % escapes both parts unless they are Markup already
    return Markup(_("%(first)s %(then)s")) % {"first": first, "then": then}  # nosec B704 - own catalog, parts escaped


def list_words(items: Iterable[object]) -> Markup:
    """A list in running text: "all members, public email subscribers" / "全部会员、公开的邮件订阅者"."""
    # TRANSLATORS: the separator between the items of a list in running text (Chinese: 、)
    return Markup(escape(_(", "))).join(escape(item) for item in items)  # nosec B704 - escaped separator and items


def percent(fraction: float) -> str:
    """A share (0.0–1.0) as a whole percentage the user's language writes it, never broken across lines
    ("100%" in Chinese and English; a locale that puts a space before "%" gets a no-break space)."""
    from babel.numbers import format_percent

    return format_percent(fraction, format="#,##0%", locale=str(get_locale() or "zh_CN")).replace(" ", "\u00a0")


#: what people in these zones call their time; Babel's CLDR names ("中国标准时间") for the others
ZONE_NAMES: dict[str, dict[str, str]] = {
    "Asia/Shanghai": {"zh": "北京时间", "en": "China Standard Time"},
}


def zone_name(timezone: str) -> str:
    """The chamber's time zone in words, in the user's language: 北京时间 / China Standard Time.

    The zone is always given (the chamber's): there is no default zone to fall back on."""
    locale = get_locale()
    language = locale.language if locale else "zh"
    known = ZONE_NAMES.get(timezone, {}).get(language)
    if known:
        return known
    return dates.get_timezone_name(dt.datetime.now(ZoneInfo(timezone)), "long", locale=locale)


def recipient_language() -> str:
    """The request's language as a message recipient's is stored ("en" or "zh_CN"): what a subscriber or a
    shopper who writes in is answered in."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "zh"


def local_time(value: dt.datetime | None, timezone: str, fmt: str = "medium") -> str:
    """A UTC time in the chamber's zone (always given: ``|local_time(chamber.timezone)``), in the user's
    language: "12月1日 20:00 北京时间".

    ``fmt="short"`` leaves the zone out, for lists whose page names it once.
    """
    if value is None:
        return ""
    zone = ZoneInfo(timezone)
    local = value.astimezone(zone)
    text = datefmt.local_date(local, _language(), this_year=dt.datetime.now(zone).year)
    if not (local.hour or local.minute) and fmt != "date":
        text += " 00:00"
    return text if fmt in ("short", "date") else f"{text} {zone_name(timezone)}"


def date_range(start: dt.datetime, end: dt.datetime, timezone: str, zone: bool = True) -> str:
    """A campaign's dates on one line in the chamber's zone (always given): "12月10日–13日 北京时间"."""
    tz = ZoneInfo(timezone)
    text = datefmt.date_range(start.astimezone(tz), end.astimezone(tz), _language(), this_year=dt.datetime.now(tz).year)
    return f"{text} {zone_name(timezone)}" if zone else text

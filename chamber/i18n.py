"""Languages (zh_CN, en) and time zones: chosen, remembered, and applied when showing times."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel import dates
from flask import Flask, g, request
from flask_babel import Babel, get_locale
from flask_login import current_user

from .models import LOCALES

LANG_COOKIE = "lang"


def select_locale() -> str:
    """The user's saved choice, else the language cookie, else Accept-Language, else zh_CN."""
    forced = g.get("force_locale")
    if forced:
        return forced
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LOCALES:
        return cookie
    return request.accept_languages.best_match(LOCALES, default="zh_CN") or "zh_CN"


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["LOCALES"] = {"zh_CN": "中文", "en": "English"}
    app.jinja_env.filters["local_time"] = local_time


def local_time(value: dt.datetime | None, timezone: str = "Asia/Shanghai", fmt: str = "medium") -> str:
    """Show a UTC time in the chamber's time zone, in the user's language."""
    if value is None:
        return ""
    zone = ZoneInfo(timezone)
    offset = value.astimezone(zone).isoformat()[-6:]
    return f"{dates.format_datetime(value, fmt, tzinfo=zone, locale=get_locale())} (UTC{offset})"

"""Announcement decisions that need no database: ISO 8601 offsets, when an announcement is due,
the daily countdown.  Standard library only (import-linter checks it); property tests in
tests/campaigns/announcements/test_announcement_rules.py.

Times are aware datetimes.  Calendar parts of an offset (years, months, weeks, days) move the
wall clock of the chamber's zone, so "-P3D" from a start at 00:00 Beijing time is 00:00 three
days earlier whatever the zone does in between; hours, minutes and seconds are added to that.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from chamber.rules import N_, RuleError, register_messages

__all__ = ["MESSAGES", "RuleError"]

UTC = dt.timezone.utc
STATUSES = ("draft", "scheduled", "sending", "sent", "cancelled", "missed")
#: statuses an organizer may still edit or cancel: nothing has gone out yet
EDITABLE = frozenset({"draft", "scheduled", "missed"})
MOMENTS = ("optin_deadline", "starts_at", "ends_at")
AUDIENCES = ("organizers", "members", "participants", "subscribers")
CHANNELS = ("inbox", "email", "feed", "webhook")
#: a misfired announcement is still sent when the scheduler comes back within this time
DEFAULT_GRACE = dt.timedelta(hours=1)
#: the largest offset (a campaign's moments are planned months ahead, not decades)
MAX_OFFSET = dt.timedelta(days=3660)

_DURATION = re.compile(
    r"([+-])?P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?"
    r"(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?",
    re.ASCII,
)
_CLOCK = re.compile(r"([01]\d|2[0-3]):([0-5]\d)", re.ASCII)


MESSAGES: dict[str, str] = {
    "announcement_bad_offset": N_("Give the offset as an ISO 8601 duration, such as -P3D (3 days before) or PT2H "
                                  "(2 hours after)."),
    "announcement_offset_too_large": N_("An offset may be at most %(days)d days."),
    "announcement_bad_clock": N_("Give the time of day as HH:MM, such as 10:00."),
    "announcement_in_the_past": N_("The send time has already passed: choose a time in the future."),
    "announcement_no_channel": N_("Choose at least one channel."),
    "announcement_no_audience": N_("Choose at least one audience."),
    "announcement_participants_need_campaign": N_("Choose the campaign whose participants should hear it."),
    "announcement_relative_needs_campaign": N_("A time relative to a campaign needs the campaign."),
}
register_messages(MESSAGES)

#: which field a broken rule is about (for the message by the field)
FIELDS = {
    "announcement_bad_offset": "offset", "announcement_offset_too_large": "offset", "announcement_bad_clock": "at_time",
    "announcement_no_channel": "channels", "announcement_no_audience": "audience",
    "announcement_participants_need_campaign": "campaign", "announcement_relative_needs_campaign": "campaign",
}


@dataclass(frozen=True)
class Duration:
    """An ISO 8601 duration with a sign: calendar parts and clock parts kept apart."""

    negative: bool = False
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    @property
    def sign(self) -> int:
        return -1 if self.negative else 1

    def is_zero(self) -> bool:
        return not any((self.years, self.months, self.weeks, self.days, self.hours, self.minutes, self.seconds))


def parse_duration(text: str) -> Duration:
    """"-P3D", "P1DT12H", "-PT90M", "P2W" → Duration; RuleError for anything else."""
    match = _DURATION.fullmatch(text.strip()) if len(text) <= 60 else None
    if match is None or text.strip().endswith(("P", "T")):
        raise RuleError("announcement_bad_offset")
    sign, *parts = match.groups()
    years, months, weeks, days, hours, minutes, seconds = (int(p) if p else 0 for p in parts)
    duration = Duration(sign == "-", years, months, weeks, days, hours, minutes, seconds)
    rough = dt.timedelta(days=years * 366 + months * 31 + weeks * 7 + days, hours=hours, minutes=minutes,
                         seconds=seconds)
    if rough > MAX_OFFSET:
        raise RuleError("announcement_offset_too_large", days=MAX_OFFSET.days)
    return duration


def format_duration(d: Duration) -> str:
    """The canonical ISO 8601 text of a duration ("PT0S" for zero)."""
    date = "".join(f"{n}{u}" for n, u in ((d.years, "Y"), (d.months, "M"), (d.weeks, "W"), (d.days, "D")) if n)
    time = "".join(f"{n}{u}" for n, u in ((d.hours, "H"), (d.minutes, "M"), (d.seconds, "S")) if n)
    if not date and not time:
        return "PT0S"
    return ("-" if d.negative else "") + "P" + date + ("T" + time if time else "")


def offset_from_days(days: int, hours: int = 0, *, before: bool) -> str:
    """The page's "3 days before" as an ISO 8601 offset ("-P3D")."""
    return format_duration(Duration(before and (days > 0 or hours > 0), days=days, hours=hours))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return day.replace(year=year, month=month, day=min(day.day, last))


def apply_duration(moment: dt.datetime, d: Duration, timezone: str) -> dt.datetime:
    """moment moved by d: calendar parts on the zone's wall clock, then the clock parts. Aware UTC."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone).replace(tzinfo=None)
    s = d.sign
    day = _add_months(local.date(), s * (d.years * 12 + d.months)) + dt.timedelta(days=s * (d.weeks * 7 + d.days))
    wall = dt.datetime.combine(day, local.time())
    result = wall.replace(tzinfo=zone).astimezone(UTC)
    return result + s * dt.timedelta(hours=d.hours, minutes=d.minutes, seconds=d.seconds)


def parse_clock(text: str) -> dt.time:
    """"10:00" → 10:00; RuleError otherwise."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        raise RuleError("announcement_bad_clock")
    return dt.time(int(match.group(1)), int(match.group(2)))


def at_clock(moment: dt.datetime, clock: dt.time, timezone: str) -> dt.datetime:
    """The same local day as moment, at clock (in the chamber's zone). Aware UTC."""
    zone = ZoneInfo(timezone)
    day = moment.astimezone(zone).date()
    return dt.datetime.combine(day, clock).replace(tzinfo=zone).astimezone(UTC)


def local_to_utc(day: dt.date, clock: dt.time, timezone: str) -> dt.datetime:
    """A date and time on the chamber's wall clock as aware UTC (10:00 Asia/Shanghai → 02:00 UTC)."""
    return dt.datetime.combine(day, clock).replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def relative_time(moment: dt.datetime, offset: str, timezone: str, clock: dt.time | None = None) -> dt.datetime:
    """When an announcement set relative to a campaign moment is due: the moment moved by the
    offset, then (if clock is given) set to that time of day on the same local day."""
    when = apply_duration(moment, parse_duration(offset), timezone)
    return at_clock(when, clock, timezone) if clock is not None else when


def check_schedule(when: dt.datetime, now: dt.datetime) -> None:
    """A send time must lie in the future."""
    if when <= now:
        raise RuleError("announcement_in_the_past")


def check_choice(audience: list[str] | tuple[str, ...], channels: list[str] | tuple[str, ...], *,
                 campaign: bool, relative: bool) -> None:
    """Audience and channels are not empty; participants and relative times need a campaign."""
    if not channels:
        raise RuleError("announcement_no_channel")
    if not audience and any(c in ("inbox", "email") for c in channels):
        raise RuleError("announcement_no_audience")
    if "participants" in audience and not campaign:
        raise RuleError("announcement_participants_need_campaign")
    if relative and not campaign:
        raise RuleError("announcement_relative_needs_campaign")


Decision = Literal["wait", "fire", "missed"]


def due(scheduled_for: dt.datetime, now: dt.datetime, grace: dt.timedelta = DEFAULT_GRACE) -> Decision:
    """What the scheduler does with a scheduled announcement now: wait for its time, fire it, or —
    when it is more than the grace time late (the scheduler was down) — mark it missed."""
    if scheduled_for > now:
        return "wait"
    return "fire" if now - scheduled_for <= grace else "missed"


def next_daily(after: dt.datetime, clock: dt.time, timezone: str, until: dt.datetime) -> dt.datetime | None:
    """The first time strictly after `after` at clock (chamber's zone) before `until`, or None."""
    zone = ZoneInfo(timezone)
    day = after.astimezone(zone).date()
    for step in range(3):  # today, tomorrow, or (across a clock change) the day after
        candidate = local_to_utc(day + dt.timedelta(days=step), clock, timezone)
        if candidate > after:
            return candidate if candidate < until else None
    return None  # pragma: no cover - three days always contain the clock time


def days_left(now: dt.datetime, end: dt.datetime, timezone: str) -> int:
    """Calendar days from now to the end on the chamber's wall clock, the last day being 0.

    An end at midnight belongs to the day before (a campaign "until 13 Dec" ends 14 Dec 00:00).
    """
    zone = ZoneInfo(timezone)
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    return max(0, (last - now.astimezone(zone).date()).days)


_COUNTDOWN = {
    "zh": ("%(title)s：今天是最后一天！", "%(title)s：还剩 %(days)d 天"),
    "en": ("%(title)s: today is the last day!", "%(title)s: %(days)d days left"),
}


def countdown_text(title: str, days: int, language: str = "zh") -> str:
    """The countdown announcement's subject: "双十一联合促销：还剩 3 天" / "…: 3 days left"."""
    last, more = _COUNTDOWN["en" if language.startswith("en") else "zh"]
    if days <= 0:
        return last % {"title": title}
    if days == 1 and language.startswith("en"):
        return "%(title)s: 1 day left" % {"title": title}
    return more % {"title": title, "days": days}

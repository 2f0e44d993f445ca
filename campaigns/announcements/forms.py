"""Announcement forms, shared by the pages and the JSON API (validate_json).

Made with the chamber's zone, ``AnnouncementForm(timezone=…)`` (or ``validate_json(…, timezone=…)``):
``send_at`` without an offset is read in it.  The page's form adds the "3 days before the start
at 10:00" fields and a choice of how to schedule; the API takes ``send_at`` or ``relative_to`` +
``offset`` (+ ``at_time``).
"""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from chamber.forms import BaseForm, openapi, strip
from chamber.rules import MAX_SLUG

from ..forms import LocalDateTimeField
from . import rules

AUDIENCE_CHOICES = [
    SelectChoice("organizers", _l("Organizers")),
    SelectChoice("members", _l("All members")),
    SelectChoice("participants", _l("The campaign's participants")),
    SelectChoice("subscribers", _l("Public email subscribers")),
]
CHANNEL_CHOICES = [
    SelectChoice("inbox", _l("In-app inbox")),
    SelectChoice("email", _l("Email")),
    SelectChoice("feed", _l("Public Atom feed")),
    SelectChoice("webhook", _l("The chamber's webhooks")),
]
MOMENT_CHOICES = [
    SelectChoice("", _l("—")),
    SelectChoice("optin_deadline", _l("the opt-in deadline")),
    SelectChoice("starts_at", _l("the start")),
    SelectChoice("ends_at", _l("the end")),
]
assert [c.value for c in AUDIENCE_CHOICES] == list(rules.AUDIENCES)
assert [c.value for c in CHANNEL_CHOICES] == list(rules.CHANNELS)


@openapi(minItems=1)
def _some_channel(_form: Any, field: Any) -> None:
    if not field.data:
        raise ValidationError(_("Choose at least one channel."))


@openapi(pattern=r"^[+-]?P(?!$)([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$",
         description="ISO 8601 duration from the campaign moment, negative for before: -P3D is 3 days before, "
                     "PT2H 2 hours after.")
def _duration(_form: Any, field: Any) -> None:
    if field.data:
        try:
            rules.parse_duration(field.data)
        except rules.RuleError as err:
            raise ValidationError(_(err.message) % err.params if err.params else _(err.message)) from None


@openapi(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
         description="A time of day HH:MM in the chamber's time zone.")
def _clock(_form: Any, field: Any) -> None:
    if field.data:
        try:
            rules.parse_clock(field.data)
        except rules.RuleError as err:
            raise ValidationError(_(err.message)) from None


class AnnouncementForm(BaseForm):
    """An announcement: what, to whom, through which channels, and when."""

    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(), Length(max=20000)],
                         description=_l("**bold**, *italic*, [a link](https://example.cn), lists with - at the "
                                        "start of a line."))
    campaign = StringField(_l("Campaign"), filters=[strip], validators=[Optional(), Length(max=MAX_SLUG)],
                           description=_l("The campaign it is about (its slug); needed for its participants and "
                                          "for a time relative to it."))
    audience = SelectMultipleField(_l("Audience"), choices=AUDIENCE_CHOICES, validate_choice=True)
    channels = SelectMultipleField(_l("Channels"), choices=CHANNEL_CHOICES, validators=[_some_channel])
    send_at = LocalDateTimeField(_l("Send at"), filters=[strip], validators=[Optional()],
                                 description=_l("In the chamber's time zone."))
    relative_to = SelectField(_l("Relative to"), choices=MOMENT_CHOICES, validators=[Optional()])
    offset = StringField(_l("Offset (ISO 8601)"), filters=[strip], validators=[Optional(), Length(max=60), _duration])
    at_time = StringField(_l("At (time of day)"), filters=[strip], validators=[Optional(), Length(max=5), _clock])
    daily_countdown = BooleanField(_l("Daily countdown while the campaign is live"))
    draft = BooleanField(_l("Keep as a draft (do not schedule yet)"))


SCHEDULE_CHOICES = [
    SelectChoice("at", _l("At a date and time")),
    SelectChoice("relative", _l("Relative to a campaign moment")),
    SelectChoice("countdown", _l("Every day while the campaign is live (countdown)")),
    SelectChoice("draft", _l("Not yet: keep it as a draft")),
]
DIRECTION_CHOICES = [SelectChoice("before", _l("before")), SelectChoice("after", _l("after"))]


class AnnouncementPageForm(AnnouncementForm):
    """The page's form: how to schedule, and the offset as "N days before/after"."""

    schedule = RadioField(_l("When"), choices=SCHEDULE_CHOICES, default="at")
    days = IntegerField(_l("Days"), validators=[Optional(), NumberRange(min=0, max=365)], default=1)
    direction = SelectField(_l("Before or after"), choices=DIRECTION_CHOICES, default="before")

    def validate_offset(self, field: Any) -> None:
        if self.schedule.data == "relative" and not field.data and self.days.data is None:
            raise ValidationError(_("Give the number of days."))


def draft_of(form: AnnouncementForm, campaign: Any) -> Any:
    """The validated form as an operations.Draft (campaign: the Campaign the slug names, or None)."""
    from .operations import Draft

    page = isinstance(form, AnnouncementPageForm)
    schedule = form.schedule.data if page else None
    relative_to = form.relative_to.data or None
    offset = form.offset.data or None
    send_at = form.send_at.utc
    countdown = bool(form.daily_countdown.data)
    draft = bool(form.draft.data)
    if page:
        countdown = schedule == "countdown"
        draft = schedule == "draft"
        if schedule == "relative":
            send_at = None
            if not offset:
                offset = rules.offset_from_days(form.days.data or 0, before=form.direction.data == "before")
        else:
            relative_to = offset = None
            if schedule != "at":
                send_at = None if schedule == "countdown" else send_at
    return Draft(
        title=form.title.data, body=form.body.data, audience=list(form.audience.data or []),
        channels=list(form.channels.data or []), campaign=campaign, send_at=send_at, relative_to=relative_to,
        offset=offset, at_clock=form.at_time.data or None, daily_countdown=countdown, draft=draft,
    )


def announcement_prefill(announcement: dict[str, Any], timezone: str) -> dict[str, Any]:
    """The edit page's values from an announcement (presenters.announcement_data): its time in the chamber's
    zone, the way it is scheduled, a relative offset as given (no days)."""
    send_at = announcement["send_at"]
    return {
        "title": announcement["title"], "body": announcement["body"], "campaign": announcement["campaign"] or "",
        "audience": announcement["audience"], "channels": announcement["channels"],
        "send_at": send_at.astimezone(ZoneInfo(timezone)) if send_at else None,
        "relative_to": announcement["relative_to"] or "", "offset": announcement["offset"] or "",
        "at_time": announcement["at_clock"] or "10:00",
        "schedule": ("countdown" if announcement["daily_countdown"] else "relative" if announcement["relative_to"]
                     else "draft" if announcement["status"] == "draft" else "at"),
        "days": None if announcement["offset"] else 3,
    }


def label_of(code: str) -> str:
    """The words for an audience or channel code (the |announcement_label filter)."""
    for choice in (*AUDIENCE_CHOICES, *CHANNEL_CHOICES):
        if choice.value == code:
            return str(choice.label)
    return code


def describe_schedule(offset: str | None, moment: str | None, clock: str | None) -> str:
    """"3 days before the start, at 10:00" for a relative schedule (|announcement_when)."""
    from flask_babel import ngettext

    moments = {"optin_deadline": _("the opt-in deadline"), "starts_at": _("the start"), "ends_at": _("the end")}
    where = moments.get(moment or "", moment or "")
    try:
        d = rules.parse_duration(offset or "PT0S")
    except rules.RuleError:
        return f"{offset} · {where}"
    days, hours = d.weeks * 7 + d.days, d.hours
    if d.is_zero():
        phrase = _("on the day of %(moment)s", moment=where) if clock else _("at %(moment)s", moment=where)
    elif not (d.years or d.months or d.minutes or d.seconds) and not (days and hours):
        amount = (ngettext("%(num)d day", "%(num)d days", days) if days
                  else ngettext("%(num)d hour", "%(num)d hours", hours))
        phrase = (_("%(amount)s before %(moment)s", amount=amount, moment=where) if d.negative
                  else _("%(amount)s after %(moment)s", amount=amount, moment=where))
    else:
        phrase = _("%(offset)s from %(moment)s", offset=rules.format_duration(d), moment=where)
    return _("%(when)s, at %(time)s", when=phrase, time=clock) if clock else phrase

"""Announcements: the JSON API (see ../shared/API.md "Announcements").

Thin views: validate with the page's form, load (404), call ONE operation, commit once.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext as _

from chamber.api import ApiError, json_body, local_iso, operation_error, token_user, validate_json
from chamber.db import get_session
from chamber.errors import Conflict, Invalid
from chamber.models import Chamber
from chamber.web import load_chamber

from ..queries import get_campaign
from . import operations as ops
from . import presenters, queries
from .forms import AnnouncementForm, draft_of
from .models import Announcement


def _load(slug: str, announcement_id: int) -> tuple[Chamber, Announcement]:
    chamber = load_chamber(slug, role="organizer")
    announcement = queries.get_announcement(get_session(), chamber, announcement_id)
    if announcement is None:
        raise ApiError(404, _("There is no such announcement."))
    return chamber, announcement


def announcement_json(chamber: Chamber, data: dict[str, Any]) -> dict[str, Any]:
    """An announcement (presenters.announcement_data) as the API answers it: times in the chamber's zone.

    Long: one line per field of the API's announcement shape."""
    tz = chamber.timezone
    return {
        "announcement_id": data["id"],
        "title": data["title"],
        "body": data["body"],
        "campaign": data["campaign"],
        "audience": data["audience"],
        "channels": data["channels"],
        "send_at": local_iso(data["send_at"], tz),
        "relative_to": data["relative_to"],
        "offset": data["offset"],
        "at_time": data["at_clock"],
        "daily_countdown": data["daily_countdown"],
        "status": data["status"],
        "scheduled_for": local_iso(data["scheduled_for"], tz),
        "occurrences": data["occurrences"],
        "note": data["note"],
        "deliveries": data["deliveries"],
        "created_at": local_iso(data["created_at"], tz),
    }


def _one(chamber: Chamber, a: Announcement) -> dict[str, Any]:
    return announcement_json(chamber, presenters.announcement_data(get_session(), chamber, a))


def _draft(chamber: Chamber, data: dict[str, Any] | None = None) -> Any:
    form = validate_json(AnnouncementForm, data, timezone=chamber.timezone)
    campaign = None
    if form.campaign.data:
        campaign = get_campaign(get_session(), chamber, form.campaign.data)
        if campaign is None:
            raise ApiError(400, _("Some fields are not valid."), fields={"campaign": _("There is no such campaign.")})
    return draft_of(form, campaign)


def create_announcement(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    d = _draft(chamber)
    session = get_session()
    try:
        announcement = ops.create_announcement(session, chamber, token_user(), d)
    except (Conflict, Invalid) as err:
        raise operation_error(err, {"at_clock": "at_time"}) from None
    when = local_iso(announcement.scheduled_for, chamber.timezone)
    return jsonify(announcement_id=announcement.id, scheduled_for=when, status=announcement.status), 201


def preview_announcement(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    d = _draft(chamber)
    try:
        when = ops.check_draft(get_session(), chamber, d)
    except (Conflict, Invalid) as err:
        raise operation_error(err, {"at_clock": "at_time"}) from None
    shown = ops.preview(chamber, d, when)
    return jsonify(title=shown["title"], html=shown["html"], text=shown["text"],
                   scheduled_for=local_iso(when, chamber.timezone))


def list_announcements(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    items = presenters.announcements_data(session, chamber, queries.list_announcements(session, chamber))
    return jsonify(items=[announcement_json(chamber, data) for data in items])


def get_announcement(slug: str, announcement_id: int) -> Any:
    chamber, announcement = _load(slug, announcement_id)
    return jsonify(_one(chamber, announcement))


def patch_announcement(slug: str, announcement_id: int) -> Any:
    """Change some fields: the rest keep their values (a new send_at replaces a relative time and back).

    Long: the stored announcement and the body's fields are merged before the one validation."""
    chamber, announcement = _load(slug, announcement_id)
    body = json_body()
    current = _one(chamber, announcement)
    merged = {k: current[k] for k in ("title", "body", "campaign", "audience", "channels", "send_at", "relative_to",
                                      "offset", "at_time", "daily_countdown") if current[k] is not None}
    merged["draft"] = announcement.status == "draft"
    if "send_at" in body:
        for key in ("relative_to", "offset", "at_time", "daily_countdown"):
            merged.pop(key, None)
    if "relative_to" in body or "daily_countdown" in body:
        merged.pop("send_at", None)
    if any(k in body for k in ("send_at", "relative_to", "daily_countdown")) and "draft" not in body:
        merged["draft"] = False  # giving a time schedules it
    merged.update(body)
    d = _draft(chamber, merged)
    session = get_session()
    try:
        ops.update_announcement(session, chamber, announcement, d)
    except (Conflict, Invalid) as err:
        raise operation_error(err, {"at_clock": "at_time"}) from None
    return jsonify(_one(chamber, announcement))


def cancel_announcement(slug: str, announcement_id: int) -> Any:
    chamber, announcement = _load(slug, announcement_id)
    session = get_session()
    ops.cancel_announcement(session, announcement)
    return jsonify(_one(chamber, announcement))


def retry_announcement(slug: str, announcement_id: int) -> Any:
    chamber, announcement = _load(slug, announcement_id)
    session = get_session()
    retried = ops.retry_failed(session, announcement)
    return jsonify(retried=retried, **_one(chamber, announcement))

"""Announcement presenters: an announcement as plain data, written once.

The API (api.announcement_json formats it as JSON) and the edit form (forms.announcement_prefill fills
the page's fields from it) start from it; times stay aware UTC until the view formats them.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from chamber.models import Chamber

from .models import Announcement
from .operations import delivery_counts
from .queries import campaigns_of


def announcements_data(session: Session, chamber: Chamber,
                       announcements: Sequence[Announcement]) -> list[dict[str, Any]]:
    """Several announcements of one chamber as plain data: their campaigns and delivery counts read once."""
    campaigns = campaigns_of(session, chamber, [a.campaign_id for a in announcements])
    counts = delivery_counts(session, chamber, [a.id for a in announcements])
    out = []
    for a in announcements:
        campaign = campaigns.get(a.campaign_id) if a.campaign_id is not None else None
        out.append({
            "id": a.id,
            "title": a.title,
            "body": a.body,
            "campaign": campaign.slug if campaign is not None else None,
            "audience": a.audience_list,
            "channels": a.channel_list,
            "send_at": a.send_at,
            "relative_to": a.relative_to,
            "offset": a.offset_iso,
            "at_clock": a.at_clock,
            "daily_countdown": a.daily_countdown,
            "status": a.status,
            "scheduled_for": a.scheduled_for,
            "occurrences": a.occurrences,
            "note": a.note,
            "deliveries": counts[a.id],
            "created_at": a.created_at,
        })
    return out


def announcement_data(session: Session, chamber: Chamber, announcement: Announcement) -> dict[str, Any]:
    """The announcement as plain data: its settings (times aware UTC), its campaign's slug, its delivery counts."""
    return announcements_data(session, chamber, [announcement])[0]

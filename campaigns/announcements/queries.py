"""Announcement read queries: session first, never write (the pages, the API, the feeds and the presenters
read through these; operations.py holds the commands)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamber.db import utcnow
from chamber.models import Chamber

from .. import rules as campaign_rules
from ..models import Campaign
from .models import Announcement, AnnouncementPost

#: the newest posts an Atom feed lists
FEED_SIZE = 50


def get_announcement(session: Session, chamber: Chamber, announcement_id: int) -> Announcement | None:
    return session.scalar(
        select(Announcement).where(Announcement.chamber_id == chamber.id, Announcement.id == announcement_id)
    )


def list_announcements(session: Session, chamber: Chamber, *, limit: int = 200) -> list[Announcement]:
    """The chamber's announcements: the ones still to go out first (soonest first), then the rest."""
    rows = session.scalars(
        select(Announcement).where(Announcement.chamber_id == chamber.id)
        .order_by(Announcement.id.desc()).limit(limit)
    ).all()
    waiting = sorted((a for a in rows if a.status in ("scheduled", "draft")),
                     key=lambda a: (a.status != "scheduled", a.scheduled_for or a.created_at))
    return [*waiting, *(a for a in rows if a.status not in ("scheduled", "draft"))]


def campaigns_of(session: Session, chamber: Chamber, ids: Sequence[int | None] | None = None) -> dict[int, Campaign]:
    """The chamber's campaigns by id (all of them, or those ids)."""
    query = select(Campaign).where(Campaign.chamber_id == chamber.id)
    if ids is not None:
        query = query.where(Campaign.id.in_([i for i in ids if i is not None]))
    return {c.id: c for c in session.scalars(query)}


def choosable_campaigns(session: Session, chamber: Chamber) -> list[Campaign]:
    """Campaigns an announcement can be about: not settled or cancelled, newest first."""
    return list(session.scalars(
        select(Campaign).where(Campaign.chamber_id == chamber.id, Campaign.status.not_in(campaign_rules.FINISHED))
        .order_by(Campaign.starts_at.desc(), Campaign.id.desc()).limit(100)
    ))


def posts_of(session: Session, announcement: Announcement) -> list[AnnouncementPost]:
    return list(session.scalars(
        select(AnnouncementPost)
        .where(AnnouncementPost.chamber_id == announcement.chamber_id,
               AnnouncementPost.announcement_id == announcement.id)
        .order_by(AnnouncementPost.occurrence.desc()).limit(100)
    ))


def feed_posts(session: Session, chamber: Chamber, campaign: Campaign | None = None) -> list[AnnouncementPost]:
    """The newest public posts of the chamber (or of one campaign), newest first: one query."""
    query = select(AnnouncementPost).where(AnnouncementPost.chamber_id == chamber.id,
                                           AnnouncementPost.public.is_(True))
    if campaign is not None:
        query = query.where(AnnouncementPost.campaign_id == campaign.id)
    return list(session.scalars(query.order_by(AnnouncementPost.published_at.desc(), AnnouncementPost.id.desc())
                                .limit(FEED_SIZE)))


def calendar_campaigns(session: Session, chamber: Chamber) -> list[Campaign]:
    """The campaigns a chamber's calendar shows: every non-draft one of the last two years (one query)."""
    since = utcnow() - dt.timedelta(days=730)
    return list(session.scalars(
        select(Campaign).where(Campaign.chamber_id == chamber.id, Campaign.status != "draft", Campaign.ends_at >= since)
        .order_by(Campaign.starts_at, Campaign.id).limit(500)
    ))

"""Announcement tables: what an organizer wrote and when it goes out, and each time it went out.

`Announcement` is the organizer's text with its audience, channels and schedule; `scheduled_for`
is when it is due next (aware UTC; for a time relative to a campaign moment it is recomputed
whenever the campaign's dates change). `AnnouncementPost` is one firing: the rendered text as it
went out, and what the public Atom feeds list. A post is unique per (announcement, occurrence),
so an announcement can never go out twice for the same occurrence, whatever races.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chamber.db import Base, utcnow

from .rules import AUDIENCES, CHANNELS, MOMENTS, STATUSES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Announcement(Base):
    """An organizer's announcement to the chamber (or a campaign's participants, or the public)."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown, rendered and sanitised when shown and when sent
    body: Mapped[str] = mapped_column(Text)
    #: comma-separated codes of rules.AUDIENCES / rules.CHANNELS, in that order
    audience: Mapped[str] = mapped_column(String(80), default="")
    channels: Mapped[str] = mapped_column(String(60))
    #: an absolute send time (aware UTC), or None when relative to a campaign moment
    send_at: Mapped[dt.datetime | None]
    relative_to: Mapped[str | None] = mapped_column(String(20))
    #: ISO 8601 duration from the moment, e.g. "-P3D"
    offset_iso: Mapped[str | None] = mapped_column(String(60))
    #: "HH:MM" on the chamber's wall clock: the relative time is set to it on its day; for a daily
    #: countdown the time of day it goes out
    at_clock: Mapped[str | None] = mapped_column(String(5))
    #: a countdown that goes out every day at at_clock while the campaign is live
    daily_countdown: Mapped[bool] = mapped_column(Boolean, default=False)
    #: when it is due next; None for a draft
    scheduled_for: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    #: how many times it has gone out (a countdown goes out once a day)
    occurrences: Mapped[int] = mapped_column(Integer, default=0)
    #: why it was missed or cancelled, for the organizer
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    fired_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("chamber_id", "id"),
        ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"],
                             ondelete="CASCADE"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(f"relative_to IS NULL OR {_in('relative_to', MOMENTS)}", name="relative_to"),
        CheckConstraint("relative_to IS NULL OR (campaign_id IS NOT NULL AND offset_iso IS NOT NULL)",
                        name="relative_needs_campaign"),
        CheckConstraint("NOT daily_countdown OR campaign_id IS NOT NULL", name="countdown_needs_campaign"),
        CheckConstraint("status = 'draft' OR scheduled_for IS NOT NULL OR status = 'cancelled'",
                        name="scheduled_has_time"),
        CheckConstraint("occurrences >= 0", name="occurrences_nonnegative"),
        # the scheduler's question: which scheduled announcements are due?
        Index("ix_announcements_due", "status", "scheduled_for"),
        Index("ix_announcements_campaign", "chamber_id", "campaign_id"),
    )

    @property
    def audience_list(self) -> list[str]:
        return [a for a in (self.audience or "").split(",") if a]

    @property
    def channel_list(self) -> list[str]:
        return [c for c in (self.channels or "").split(",") if c]


def join_codes(values: list[str] | tuple[str, ...], known: tuple[str, ...]) -> str:
    """Codes in their canonical order, each once."""
    return ",".join(code for code in known if code in values)


class AnnouncementPost(Base):
    """One firing of an announcement: the text as it went out; the Atom feeds list these."""

    __tablename__ = "announcement_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    announcement_id: Mapped[int] = mapped_column()
    campaign_id: Mapped[int | None] = mapped_column()
    #: 1 for the first firing; a daily countdown counts up
    occurrence: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(240))
    #: sanitised HTML (nh3) of the Markdown body
    body_html: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    #: listed in the public Atom feeds (the "feed" channel)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduled_for: Mapped[dt.datetime]
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("announcement_id", "occurrence"),
        ForeignKeyConstraint(["chamber_id", "announcement_id"], ["announcements.chamber_id", "announcements.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"],
                             ondelete="CASCADE"),
        CheckConstraint("occurrence >= 1", name="occurrence_positive"),
        Index("ix_announcement_posts_feed", "chamber_id", "public", "published_at"),
        Index("ix_announcement_posts_campaign", "campaign_id", "public", "published_at"),
    )


__all__ = ["AUDIENCES", "CHANNELS", "Announcement", "AnnouncementPost", "join_codes"]

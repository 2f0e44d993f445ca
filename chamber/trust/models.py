"""Trust tables: reviews, complaints with their history, credit-score history, content versions.

A review or complaint may name a campaign. Campaigns belong to a feature package, so the core
keeps the campaign's id and its title as they were when the shopper wrote (no foreign key
into a feature's table: the core's schema never depends on a feature's).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from ..models import check_in
from ..rules import MAX_UPLOAD_BYTES

COMPLAINT_CATEGORIES = ("quality", "refund_refused", "not_delivered", "false_advertising", "price")
#: submitted → responded (the merchant answered) → upheld | dismissed | resolved (by agreement)
#: a complaint waiting for the chamber's decision (the merchant may still respond while it is submitted)
UNDECIDED = ("submitted", "responded")
DECISIONS = ("upheld", "dismissed", "resolved")
COMPLAINT_STATUSES = (*UNDECIDED, *DECISIONS)
#: what a complaint's history records: every status it passes through
EVENT_KINDS = COMPLAINT_STATUSES
EVIDENCE_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_EVIDENCE = MAX_UPLOAD_BYTES
MAX_TEXT = 2000


_in = check_in


class Review(Base):
    """A shopper's rating of a merchant for a campaign; published once the email is confirmed."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(index=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    campaign_title: Mapped[str] = mapped_column(String(120))
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(254))
    #: SHA-256 of the confirmation token mailed to the shopper
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the client address, for rate limits (the address itself is not kept)
    ip_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None]
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[dt.datetime | None]
    hidden_at: Mapped[dt.datetime | None]
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint("chamber_id", "member_id", "campaign_id", "email", name="uq_reviews_one_per_email"),
        ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"], ondelete="CASCADE"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint(f"length(text) <= {MAX_TEXT}", name="text_length"),
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("(reply IS NULL) = (replied_at IS NULL)", name="reply_once"),
        CheckConstraint("hidden_at IS NULL OR hidden_reason IS NOT NULL", name="hidden_has_reason"),
        Index("ix_reviews_ip_created", "ip_hash", "created_at"),
        Index("ix_reviews_email_created", "email", "created_at"),
    )


class Complaint(Base):
    """A shopper's complaint about a merchant, tracked by a code until the chamber decides."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(index=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer)
    campaign_title: Mapped[str] = mapped_column(String(120), default="")
    tracking_code: Mapped[str] = mapped_column(String(24), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(254))
    ip_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="submitted")
    #: the merchant is asked to respond by then (the chamber's response time)
    respond_by: Mapped[dt.datetime]
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    evidence_type: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]

    __table_args__ = (
        ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"], ondelete="CASCADE"),
        CheckConstraint(_in("category", COMPLAINT_CATEGORIES), name="category"),
        CheckConstraint(_in("status", COMPLAINT_STATUSES), name="status"),
        CheckConstraint(f"length(description) <= {MAX_TEXT}", name="description_length"),
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("evidence_type IS NULL OR " + _in("evidence_type", EVIDENCE_TYPES), name="evidence_type"),
        CheckConstraint(f"evidence IS NULL OR length(evidence) <= {MAX_EVIDENCE}", name="evidence_size"),
        CheckConstraint(f"(decided_at IS NULL) = ({_in('status', UNDECIDED)})", name="decided"),
        Index("ix_complaints_ip_created", "ip_hash", "created_at"),
        Index("ix_complaints_email_created", "email", "created_at"),
    )


class ComplaintEvent(Base):
    """One step of a complaint (submitted, the merchant's response, the chamber's decision)."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("complaint_id", "kind"),  # each step happens once
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
    )


class CreditScore(Base):
    """A member's credit score as computed at one time; the newest row is the current score."""

    __tablename__ = "credit_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column()
    score: Mapped[int] = mapped_column(SmallInteger)
    #: [{name, value, weight, points}] as the formula gave them
    breakdown: Mapped[list] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"], ondelete="CASCADE"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score"),
        Index("ix_credit_scores_member", "chamber_id", "member_id", "id"),
    )


class ChamberVersion(Base):
    """A counter raised by every commit that changes anything of a chamber: the public pages'
    cache key (chamber/trust/caching.py)."""

    __tablename__ = "chamber_versions"

    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

"""Delivery tables: the outbox, the in-app inbox, preferences, public subscribers, webhooks, leases.

The outbox (`deliveries`) has one row per source × channel × recipient; the unique key makes a
second enqueue of the same thing a no-op on both databases (insert-or-ignore). Senders claim rows
(status pending → sending, with a lease), deliver them and mark them sent; a failure goes back to
pending with a later `next_attempt_at` (exponential backoff) until the attempts run out (failed).

Announcements and campaigns belong to feature packages: a delivery names what it is about only by
its `source` string ("announcement:42", "event:<package>.<kind>:7"), never by a foreign key into a
feature's table.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

CHANNELS = ("inbox", "email", "webhook")
#: the channels a user chooses per kind (webhooks belong to the chamber, not to a person)
USER_CHANNELS = ("inbox", "email")
STATUSES = ("pending", "sending", "sent", "failed")
#: a subscription: waiting for the confirmation link, confirmed, or ended by the subscriber
SUBSCRIBER_STATUSES = ("pending", "confirmed", "unsubscribed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Delivery(Base):
    """One message to one recipient over one channel: the outbox row."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    #: what it is about: "announcement:42", "event:<package>.<kind>:7", "trust:review:9"
    source: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(8))
    #: who, as a key: "user:12", "subscriber:5", "webhook:3" or "email:someone@example.cn"
    recipient: Mapped[str] = mapped_column(String(270))
    #: the notification kind ("chamber.application_approved", "announcement", …)
    kind: Mapped[str] = mapped_column(String(60), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    #: the address an email goes to, fixed when the row is made
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: a claimed row belongs to its sender until then; after it (the sender died) it is claimed again
    lease_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    #: stable across resends: the email's Message-ID (without the angle brackets) and the
    #: webhook's Idempotency-Key, so receivers can drop a copy
    message_key: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: where the recipient acts: an absolute URL or a path on this site
    link: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("source", "channel", "recipient", name="uq_deliveries_once"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("status != 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_chamber_source", "chamber_id", "source"),
    )


class InboxMessage(Base):
    """An in-app message to one user; written in the same transaction that marks its delivery sent."""

    __tablename__ = "inbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id", ondelete="SET NULL"), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    #: what it is about (the delivery's source), e.g. to find a campaign's notices
    source: Mapped[str] = mapped_column(String(120), default="")
    title: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text, default="")
    #: sanitised HTML (or empty: the text is shown)
    body_html: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]

    @property
    def text_lines(self) -> list[str]:
        """The text's lines without the link line (lists show the link as a link)."""
        return [line.strip() for line in (self.body_text or "").splitlines()
                if line.strip() and not line.strip().endswith(self.link or "\0") and "://" not in line]

    @property
    def summary(self) -> str:
        """The message in one line, for lists: its text's first line, else its title."""
        first = next((line.strip() for line in (self.body_text or "").splitlines() if line.strip()), "")
        return first or self.title

    __table_args__ = (
        Index("ix_inbox_messages_user_created", "user_id", "created_at"),
        Index("ix_inbox_messages_user_unread", "user_id", "read_at"),
    )


class NotificationPreference(Base):
    """A user's choice for one kind and channel; without a row the kind's default holds."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (CheckConstraint(_in("channel", USER_CHANNELS), name="channel"),)


class Subscriber(Base):
    """A consumer's email subscription to a chamber (campaign_id 0) or to one of its campaigns.

    Double opt-in: nothing is sent until the confirmation link is followed (status confirmed).
    """

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    #: 0 for the whole chamber; else a campaign's id (a feature's table: no foreign key)
    campaign_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    #: SHA-256 of the confirmation token (cleared once used)
    confirm_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: SHA-256 of the one-click unsubscribe token
    unsubscribe_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the client address that asked, for rate limits (the address itself is not kept)
    ip_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None]
    unsubscribed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("chamber_id", "campaign_id", "email", name="uq_subscribers_once"),
        CheckConstraint(_in("status", SUBSCRIBER_STATUSES), name="status"),
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint("status != 'confirmed' OR confirmed_at IS NOT NULL", name="confirmed_has_time"),
        Index("ix_subscribers_email_created", "email", "created_at"),
        Index("ix_subscribers_ip_created", "ip_hash", "created_at"),
    )


class Webhook(Base):
    """A chamber's webhook: JSON POSTs signed with HMAC-SHA256 of the secret."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_scheme"),
        Index("ix_webhooks_chamber", "chamber_id"),
    )


class SchedulerLease(Base):
    """The scheduler's leader lock on SQLite (PostgreSQL uses an advisory lock): one row per name,
    held by `holder` until `expires_at`; the holder renews it, another takes it once it expired."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[dt.datetime]


#: a scheduled task: waiting, being run, run, missed (later than the grace), failed, or cancelled
TASK_STATUSES = ("pending", "running", "done", "missed", "failed", "cancelled")


class ScheduledTask(Base):
    """Something to run once at a time, e.g. sending announcement 42: written by the web process in
    its own transaction (chamber.notifications.operations.schedule_task), mirrored by the scheduler
    process into an APScheduler date job of its SQLAlchemy job store, and run there (see
    chamber/scheduler.py). `version` grows with every change; the scheduler has seen `synced_version`.
    """

    __tablename__ = "scheduled_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    #: unique name, e.g. "announcement:42"
    key: Mapped[str] = mapped_column(String(120), unique=True)
    #: "module:function" called as function(app, key, payload); it owns its transaction
    function: Mapped[str] = mapped_column(String(200))
    #: "module:function" called as on_missed(app, key, payload) when the task is marked missed
    on_missed: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    synced_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: when it started running (the firing delay is fired_at - run_at)
    fired_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint(_in("status", TASK_STATUSES), name="status"),
        Index("ix_scheduled_tasks_unsynced", "synced_version", "version"),
    )


#: APScheduler's SQLAlchemyJobStore table, declared here so Alembic creates it (and never drops it);
#: the same shape APScheduler 3.11 makes (id, next_run_time, job_state)
apscheduler_jobs = Table(
    "apscheduler_jobs", Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

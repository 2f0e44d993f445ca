"""Core models: accounts, chambers, tiers, members and organizers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, utcnow
from .rules import MAX_SLUG, NEW_CHAMBER_CURRENCY, NEW_CHAMBER_TIMEZONE

CHAMBER_KINDS = ("regional", "brand")
#: whether a chamber's campaign ledgers are public: not at all, with the members' payments by name, or as totals
PUBLIC_LEDGER = ("off", "names", "totals")


def check_in(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK that column holds one of values (a vocabulary tuple written once)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"
MEMBER_STATUSES = ("pending", "approved", "rejected", "suspended")
LOCALES = ("zh_CN", "en")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: kept in the session cookie at login; bumping it (logout, password change, "log out
    #: everywhere") ends every browser session of the account
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lower"),)


class ApiToken(Base):
    """A bearer token; only the SHA-256 of the secret is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: first characters of the token, to tell tokens apart on the account page
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """One password check against an account, kept to rate-limit guessing."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: the client's address (IPv6 at most 45 characters); None for attempts from before it was kept
    address: Mapped[str | None] = mapped_column(String(45))

    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),)


class Chamber(Base):
    __tablename__ = "chambers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(MAX_SLUG), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(120))
    #: ISO 4217 code; every amount of this chamber is in its minor unit
    currency: Mapped[str] = mapped_column(String(3), default=NEW_CHAMBER_CURRENCY)
    timezone: Mapped[str] = mapped_column(String(64), default=NEW_CHAMBER_TIMEZONE)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: days a merchant has to respond to a complaint
    complaint_days: Mapped[int] = mapped_column(default=7, server_default="7")
    #: open books: off, or each campaign's ledger public with members' payments by name or as totals
    public_ledger: Mapped[str] = mapped_column(String(8), default="off", server_default="off")

    tiers: Mapped[list[Tier]] = relationship(
        back_populates="chamber", order_by="Tier.weight", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(check_in("kind", CHAMBER_KINDS), name="kind"),
        CheckConstraint("length(currency) = 3", name="currency"),
        CheckConstraint("complaint_days BETWEEN 1 AND 60", name="complaint_days"),
        CheckConstraint(check_in("public_ledger", PUBLIC_LEDGER), name="public_ledger"),
    )


class Tier(Base):
    """A size tier of a chamber; its weight is what campaign budgets are pooled by."""

    __tablename__ = "tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_SLUG))
    name: Mapped[str] = mapped_column(String(80))
    weight: Mapped[Decimal] = mapped_column(Numeric(10, 4))

    chamber: Mapped[Chamber] = relationship(back_populates="tiers")

    __table_args__ = (
        UniqueConstraint("chamber_id", "key"),
        UniqueConstraint("chamber_id", "id"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )


class Member(Base):
    """A business's membership of a chamber, from application to approval (or not)."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    business_name: Mapped[str] = mapped_column(String(120))
    uscc: Mapped[str] = mapped_column(String(18))
    contact_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(32))
    shop_url: Mapped[str] = mapped_column(String(500), default="")
    #: where shoppers find the merchant on WeChat (shown on the public pages)
    wechat_id: Mapped[str] = mapped_column(String(40), default="", server_default="")
    #: declared annual revenue, minor units of the chamber's currency
    annual_revenue_minor: Mapped[int] = mapped_column(BigInteger)
    #: pending → approved | rejected; approved → suspended → approved
    status: Mapped[str] = mapped_column(String(16), default="pending")
    tier_id: Mapped[int | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    chamber: Mapped[Chamber] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    tier: Mapped[Tier | None] = relationship(
        primaryjoin="and_(Member.tier_id == Tier.id, Member.chamber_id == Tier.chamber_id)",
        foreign_keys=[tier_id],
        viewonly=True,
    )

    __table_args__ = (
        UniqueConstraint("chamber_id", "uscc"),
        UniqueConstraint("chamber_id", "id"),
        # the tier must be one of this chamber's tiers: a composite key keeps tenants apart
        ForeignKeyConstraint(["chamber_id", "tier_id"], ["tiers.chamber_id", "tiers.id"]),
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'suspended')", name="status"
        ),
        CheckConstraint("annual_revenue_minor >= 0", name="revenue_nonnegative"),
        CheckConstraint("status != 'approved' OR tier_id IS NOT NULL", name="approved_has_tier"),
    )


class Organizer(Base):
    """A user who runs a chamber."""

    __tablename__ = "organizers"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("chamber_id", "user_id"),)

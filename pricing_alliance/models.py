"""Tables of the pricing alliance (SQLAlchemy 2 typed models on chamber.db.Base).

Every table carries chamber_id, and references to chamber rows go through composite keys
(chamber_id, id), as in campaigns, so a row can never point into another chamber.

Two tables are append-only, refused UPDATE and DELETE by database triggers (see the migration):
``price_listings`` (the price history the honest-discount rule reads) and
``joint_purchase_entries`` (the amounts members owe for the joint purchase: the joint purchase's
own ledger, kept apart from the campaign's promotion-budget ledger).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chamber.db import Base, utcnow
from chamber.rules import MAX_PICTURE_BYTES

from .rules import CHOICES, ENTRY_KINDS, STATUSES, WEIGHTINGS

IMAGE_TYPES = ("image/jpeg", "image/png")
MAX_IMAGE = MAX_PICTURE_BYTES
MAX_QUANTITY = 1_000_000


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _campaign_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"],
                                ondelete="CASCADE")


def _member_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"])


def _product_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["chamber_id", "product_id"], ["alliance_products.chamber_id", "alliance_products.id"])


class AllianceSettings(Base):
    """A chamber's rules for agreeing prices (a chamber without a row uses the defaults)."""

    __tablename__ = "alliance_settings"

    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), primary_key=True)
    #: member (one member, one vote) | tier (the member's tier weight)
    weighting: Mapped[str] = mapped_column(String(10), default="member")
    #: share of the participants' weight that must vote, as an exact fraction
    quorum_num: Mapped[int] = mapped_column(Integer, default=1)
    quorum_den: Mapped[int] = mapped_column(Integer, default=2)
    #: share of the non-abstaining weight that must approve, as an exact fraction
    threshold_num: Mapped[int] = mapped_column(Integer, default=2)
    threshold_den: Mapped[int] = mapped_column(Integer, default=3)
    #: days before a claim in which the "original price" is looked up (7; 30 for the EU rule)
    lookback_days: Mapped[int] = mapped_column(Integer, default=7)
    #: maximum mark-up over the negotiated supplier price, in per cent; None: no cap
    max_markup_pct: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(_in("weighting", WEIGHTINGS), name="weighting"),
        CheckConstraint("quorum_den > 0 AND quorum_num >= 0 AND quorum_num <= quorum_den", name="quorum"),
        CheckConstraint("threshold_den > 0 AND threshold_num > 0 AND threshold_num <= threshold_den", name="threshold"),
        CheckConstraint("lookback_days >= 1 AND lookback_days <= 90", name="lookback_days"),
        CheckConstraint("max_markup_pct IS NULL OR (max_markup_pct >= 0 AND max_markup_pct <= 10000)",
                        name="max_markup"),
    )


class Product(Base):
    """A product of the chamber's catalogue."""

    __tablename__ = "alliance_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: unit / specification, e.g. 250g
    unit: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(60), default="")
    #: the manufacturer's suggested price, minor units (optional)
    reference_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    image_type: Mapped[str | None] = mapped_column(String(20))
    image_data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("chamber_id", "id"),
        UniqueConstraint("chamber_id", "name", "unit"),
        CheckConstraint("reference_price_minor IS NULL OR reference_price_minor > 0", name="reference_positive"),
        CheckConstraint(f"image_type IS NULL OR {_in('image_type', IMAGE_TYPES)}", name="image_type"),
    )


class PriceListing(Base):
    """A participant's price for a product in a campaign at a time. Append-only: the newest is current."""

    __tablename__ = "price_listings"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column()
    price_minor: Mapped[int] = mapped_column(BigInteger)
    #: the claimed "was" price for a was/now display (checked against the history when listed)
    original_price_minor: Mapped[int | None] = mapped_column(BigInteger)
    listed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        _campaign_fk(), _member_fk(), _product_fk(),
        CheckConstraint("price_minor > 0", name="price_positive"),
        CheckConstraint("original_price_minor IS NULL OR original_price_minor >= price_minor",
                        name="original_not_below"),
        Index("ix_price_listings_campaign_member_product", "campaign_id", "member_id", "product_id", "id"),
        Index("ix_price_listings_member_product", "chamber_id", "member_id", "product_id", "listed_at"),
    )


class PriceProposal(Base):
    """A proposed alliance price for a product in a campaign, voted on until it closes.

    The voting rule (weighting, quorum, threshold) is frozen from the chamber's settings when the
    proposal is made, and the tally is frozen when it closes.
    """

    __tablename__ = "price_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column()
    price_minor: Mapped[int] = mapped_column(BigInteger)
    floor_minor: Mapped[int | None] = mapped_column(BigInteger)
    ceiling_minor: Mapped[int | None] = mapped_column(BigInteger)
    closes_at: Mapped[dt.datetime]
    #: open → adopted | rejected | no_quorum
    status: Mapped[str] = mapped_column(String(10), default="open")
    weighting: Mapped[str] = mapped_column(String(10))
    quorum_num: Mapped[int] = mapped_column(Integer)
    quorum_den: Mapped[int] = mapped_column(Integer)
    threshold_num: Mapped[int] = mapped_column(Integer)
    threshold_den: Mapped[int] = mapped_column(Integer)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    # the tally frozen at closing (weights as exact decimals of the tier weights)
    eligible: Mapped[int | None] = mapped_column(Integer)
    voters: Mapped[int | None] = mapped_column(Integer)
    eligible_weight: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    approve_weight: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    reject_weight: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    abstain_weight: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))

    __table_args__ = (
        UniqueConstraint("chamber_id", "id"),
        _campaign_fk(), _product_fk(),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("weighting", WEIGHTINGS), name="weighting"),
        CheckConstraint("price_minor > 0", name="price_positive"),
        CheckConstraint("floor_minor IS NULL OR (floor_minor > 0 AND floor_minor <= price_minor)", name="floor"),
        CheckConstraint("ceiling_minor IS NULL OR ceiling_minor >= price_minor", name="ceiling"),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_at"),
        Index("ix_price_proposals_campaign_product", "campaign_id", "product_id", "status"),
        Index("ix_price_proposals_status_closes", "status", "closes_at"),
    )


class PriceVote(Base):
    """A participant's vote on a proposal; one per member (changed in place until the proposal closes)."""

    __tablename__ = "price_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    proposal_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column()
    choice: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("proposal_id", "member_id"),
        ForeignKeyConstraint(["chamber_id", "proposal_id"], ["price_proposals.chamber_id", "price_proposals.id"],
                             ondelete="CASCADE"),
        _member_fk(),
        CheckConstraint(_in("choice", CHOICES), name="choice"),
    )


class SupplierPrice(Base):
    """The supplier's negotiated unit price of a product for a campaign (members and organizers only)."""

    __tablename__ = "supplier_prices"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column()
    supplier: Mapped[str] = mapped_column(String(120), default="")
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    delivery_notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("campaign_id", "product_id"),
        UniqueConstraint("chamber_id", "id"),
        _campaign_fk(), _product_fk(),
        CheckConstraint("unit_price_minor > 0", name="unit_price_positive"),
    )


class VolumeTier(Base):
    """A lower unit price from a total quantity on, for a supplier price."""

    __tablename__ = "supplier_volume_tiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    supplier_price_id: Mapped[int] = mapped_column()
    min_quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("supplier_price_id", "min_quantity"),
        ForeignKeyConstraint(["chamber_id", "supplier_price_id"], ["supplier_prices.chamber_id", "supplier_prices.id"],
                             ondelete="CASCADE"),
        CheckConstraint("min_quantity >= 2", name="min_quantity"),
        CheckConstraint("unit_price_minor > 0", name="unit_price_positive"),
    )


class Demand(Base):
    """How many of a product a participant will buy through the joint purchase."""

    __tablename__ = "joint_purchase_demand"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column()
    quantity: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id", "product_id"),
        _campaign_fk(), _member_fk(), _product_fk(),
        CheckConstraint(f"quantity > 0 AND quantity <= {MAX_QUANTITY}", name="quantity"),
    )


class JointPurchaseEntry(Base):
    """One line of a campaign's joint-purchase account: what a member owes for the goods. Append-only.

    ``due`` adds to what the member owes, ``credit`` takes from it (demand went down, the price
    fell). Kept apart from the campaign's promotion-budget ledger, so its balances stay conserved.
    """

    __tablename__ = "joint_purchase_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(index=True)
    member_id: Mapped[int] = mapped_column()
    product_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        _campaign_fk(), _member_fk(), _product_fk(),
        CheckConstraint(_in("kind", ENTRY_KINDS), name="kind"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        CheckConstraint("quantity >= 0", name="quantity_nonnegative"),
    )


class AllianceNotice(Base):
    """An in-app message to a member about a price proposal (a reminder, a result), at most once each."""

    __tablename__ = "alliance_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(index=True)
    proposal_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("proposal_id", "member_id", "kind"),
        ForeignKeyConstraint(["chamber_id", "proposal_id"], ["price_proposals.chamber_id", "price_proposals.id"],
                             ondelete="CASCADE"),
        _member_fk(),
        CheckConstraint("kind IN ('vote_reminder', 'proposal_result')", name="kind"),
    )

"""Campaign tables: campaigns, participations, the append-only ledger, receipts, notices.

Every table carries chamber_id, and references to chamber rows go through composite keys
(chamber_id, id) so that a row can never point into another chamber.

The chamber's fund is not a table of its own: it is the sum of the ``carry_to_fund`` ledger
entries of the chamber's settled campaigns (see ``operations.chamber_fund_balance``).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chamber.db import Base, utcnow
from chamber.models import Chamber, Member, User
from chamber.rules import MAX_PICTURE_BYTES, MAX_SLUG

from .rules import (
    CAMPAIGN_STATUSES,
    FESTIVALS,
    LEDGER_OPEN,
    MAX_RECEIPT_BYTES,
    PAYMENT_METHODS,
    QR_KINDS,
    RECEIPT_TYPES,
    SETTLEMENT_MODES,
    SHARE_METHODS,
    SHARES_PREVIEW,
)

#: write_off: an organizer gives up collecting part of a pledge (with a reason); it moves no money
ENTRY_TYPES = ("pledge", "payment", "expense", "refund", "reversal", "carry_to_fund", "write_off")
QR_TYPES = ("image/png", "image/jpeg")
MAX_QR = MAX_PICTURE_BYTES
#: the picture on a merchant's offer card (public campaign page)
OFFER_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_OFFER_IMAGE = MAX_PICTURE_BYTES
#: the request body an expense with a receipt may have: the 5 MiB file plus the form around it
#: (the receipt check itself enforces exactly rules.MAX_RECEIPT_BYTES for the file)
MAX_RECEIPT_REQUEST = MAX_RECEIPT_BYTES + 64 * 1024
#: ledger entries of which a campaign has at most one (per member): (index name part, entry type, columns)
ONE_PER_CAMPAIGN = (
    ("pledge", "pledge", ("campaign_id", "member_id")),
    ("refund", "refund", ("campaign_id", "member_id")),
    ("carry", "carry_to_fund", ("campaign_id",)),
)
#: the largest go/no-go participant minimum a campaign may ask for
MAX_PARTICIPANTS = 100_000


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Campaign(Base):
    """A joint festival campaign whose budget the participants pool."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(MAX_SLUG))
    title: Mapped[str] = mapped_column(String(120))
    festival: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    optin_deadline: Mapped[dt.datetime]
    #: optional: the clock opens a draft for opt-in at this time (must be before the deadline)
    opens_at: Mapped[dt.datetime | None]
    #: the total to pool, minor units of the chamber's currency
    budget_minor: Mapped[int] = mapped_column(BigInteger)
    #: how the budget is shared: tier | revenue | equal
    method: Mapped[str] = mapped_column(String(10))
    #: optional floor per member, minor units
    min_share_minor: Mapped[int | None] = mapped_column(BigInteger)
    #: optional cap: no member pays more than this percentage of the budget
    max_share_pct: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    #: go/no-go threshold checked at the opt-in deadline (both optional)
    min_participants: Mapped[int | None] = mapped_column(Integer)
    min_pooled_minor: Mapped[int | None] = mapped_column(BigInteger)
    #: draft → open → locked → live → ended → settled, or cancelled before settled
    status: Mapped[str] = mapped_column(String(12), default="draft")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    settlement_mode: Mapped[str | None] = mapped_column(String(8))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    locked_at: Mapped[dt.datetime | None]
    settled_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]

    chamber: Mapped[Chamber] = relationship()

    __table_args__ = (
        UniqueConstraint("chamber_id", "slug"),
        UniqueConstraint("chamber_id", "id"),
        CheckConstraint(_in("festival", FESTIVALS), name="festival"),
        CheckConstraint(_in("method", SHARE_METHODS), name="method"),
        CheckConstraint(_in("status", CAMPAIGN_STATUSES), name="status"),
        CheckConstraint("budget_minor >= 0", name="budget_nonnegative"),
        CheckConstraint("min_share_minor IS NULL OR min_share_minor >= 0", name="min_share_nonnegative"),
        CheckConstraint("max_share_pct IS NULL OR (max_share_pct > 0 AND max_share_pct <= 100)", name="max_share_pct"),
        CheckConstraint(
            f"min_participants IS NULL OR (min_participants >= 1 AND min_participants <= {MAX_PARTICIPANTS})",
            name="min_participants",
        ),
        CheckConstraint("min_pooled_minor IS NULL OR min_pooled_minor >= 0", name="min_pooled_nonnegative"),
        CheckConstraint("min_pooled_minor IS NULL OR min_pooled_minor <= budget_minor",
                        name="min_pooled_within_budget"),
        CheckConstraint("opens_at IS NULL OR opens_at < optin_deadline", name="opens_before_deadline"),
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint("optin_deadline <= starts_at", name="deadline_before_start"),
        CheckConstraint(f"settlement_mode IS NULL OR {_in('settlement_mode', SETTLEMENT_MODES)}",
                        name="settlement_mode"),
    )

    @property
    def shares_preview(self) -> bool:
        """Before the shares are frozen (draft, open): editable, and its shares are a preview."""
        return self.status in SHARES_PREVIEW

    @property
    def ledger_open(self) -> bool:
        """The ledger takes payments, expenses and write-offs (locked, live, ended): what members owe is due."""
        return self.status in LEDGER_OPEN

    @hybrid_property
    def cancelled(self) -> bool:
        """The campaign was cancelled: nobody owes anything, what was paid and not spent is refunded (in a
        query too: ``~Campaign.cancelled``)."""
        return self.status == "cancelled"



class Participation(Base):
    """An approved member's opt-in to a campaign, with the offer it makes to consumers."""

    __tablename__ = "campaign_participations"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column(index=True)
    offer_headline: Mapped[str] = mapped_column(String(120))
    offer_details: Mapped[str] = mapped_column(Text, default="")
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(
        primaryjoin="and_(Participation.member_id == Member.id, Participation.chamber_id == Member.chamber_id)",
        foreign_keys=[member_id],
        viewonly=True,
    )

    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id"),
        ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"]),
    )


class KeptOffer(Base):
    """The offer of a member who withdrew, kept so that re-joining does not mean typing it again."""

    __tablename__ = "campaign_kept_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column()
    offer_headline: Mapped[str] = mapped_column(String(120))
    offer_details: Mapped[str] = mapped_column(Text, default="")
    kept_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id"),
        ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"], ondelete="CASCADE"),  # noqa: E501
        ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"]),
    )


class OfferImage(Base):
    """The picture on a participant's offer card, shown to shoppers (checked by decoding; at most MAX_OFFER_IMAGE).

    Its own table, so that the participations (read on every campaign page) never carry the bytes.
    It stays if the member withdraws, like the offer text (kept offers), and goes with the campaign.
    """

    __tablename__ = "offer_images"

    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(primary_key=True)
    content_type: Mapped[str] = mapped_column(String(20))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"], ondelete="CASCADE"),
        CheckConstraint(_in("content_type", OFFER_IMAGE_TYPES), name="content_type"),
        CheckConstraint(f"length(data) > 0 AND length(data) <= {MAX_OFFER_IMAGE}", name="size"),
    )


class Receipt(Base):
    """An expense's receipt file (PDF, JPEG or PNG, at most MAX_RECEIPT_BYTES), kept in the database."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("chamber_id", "id"),
        CheckConstraint(_in("content_type", RECEIPT_TYPES), name="content_type"),
        CheckConstraint(f"size > 0 AND size <= {MAX_RECEIPT_BYTES}", name="size"),
    )


class LedgerEntry(Base):
    """One line of a campaign's append-only ledger. Rows are only ever inserted.

    A mistake is corrected by a ``reversal`` entry that references the entry it cancels
    (at most one reversal per entry: ``reverses_id`` is unique).
    """

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(index=True)
    #: pledge | payment | expense | refund | reversal | carry_to_fund | write_off
    entry_type: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int | None] = mapped_column()
    #: never negative, minor units; the entry type says which way the money goes
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    #: pledges: the weight the share was apportioned by, frozen with it
    weight: Mapped[Decimal | None] = mapped_column(Numeric(24, 4))
    # payments
    method: Mapped[str | None] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(120), default="")
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    # expenses
    payee: Mapped[str] = mapped_column(String(120), default="")
    category: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    receipt_id: Mapped[int | None] = mapped_column()
    # reversals
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User] = relationship(viewonly=True)

    __table_args__ = (
        ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"]),
        ForeignKeyConstraint(["chamber_id", "receipt_id"], ["receipts.chamber_id", "receipts.id"]),
        CheckConstraint(_in("entry_type", ENTRY_TYPES), name="entry_type"),
        CheckConstraint("amount_minor >= 0", name="amount_nonnegative"),
        CheckConstraint(
            "entry_type IN ('pledge', 'reversal') OR amount_minor > 0", name="amount_positive"
        ),
        CheckConstraint("(entry_type = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_has_target"),
        CheckConstraint(
            "entry_type NOT IN ('pledge', 'payment', 'refund', 'write_off') OR member_id IS NOT NULL",
            name="member_required",
        ),
        CheckConstraint(
            f"entry_type != 'payment' OR ({_in('method', PAYMENT_METHODS)} AND paid_on IS NOT NULL)",
            name="payment_fields",
        ),
        Index("ix_ledger_entries_chamber_type", "chamber_id", "entry_type"),
        # what must never exist twice, refused by the database even if two requests race:
        # one pledge per participant, one refund per member (a refund happens only at the one
        # settlement or cancellation), one carry to the fund per campaign
        *(
            Index(f"uq_ledger_entries_one_{kind}", *columns, unique=True,
                  sqlite_where=text(f"entry_type = '{entry_type}'"),
                  postgresql_where=text(f"entry_type = '{entry_type}'"))
            for kind, entry_type, columns in ONE_PER_CAMPAIGN
        ),
    )


class CampaignNotice(Base):
    """A message to one participant about a campaign (e.g. why it was cancelled), for the dashboard."""

    __tablename__ = "campaign_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column()
    member_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("campaign_id", "member_id", "kind"),
        ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["chamber_id", "member_id"], ["members.chamber_id", "members.id"]),
        CheckConstraint("kind IN ('cancelled')", name="kind"),
    )


class RefundPayout(Base):
    """The money of a refund entry actually paid back to the member (method, reference, date).

    Rows are only ever inserted (the database refuses UPDATE/DELETE), at most one per refund.
    """

    __tablename__ = "campaign_refund_payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(index=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(120), default="")
    paid_on: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        ForeignKeyConstraint(["chamber_id", "campaign_id"], ["campaigns.chamber_id", "campaigns.id"],
                             ondelete="CASCADE"),
        CheckConstraint(_in("method", PAYMENT_METHODS), name="method"),
    )


class CollectionDetails(Base):
    """How members pay the chamber: an account text and/or a WeChat Pay or Alipay collection QR image."""

    __tablename__ = "campaign_collection_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    chamber_id: Mapped[int] = mapped_column(ForeignKey("chambers.id", ondelete="CASCADE"), unique=True)
    #: e.g. bank, account name and number, or "pay at the chamber office"
    account: Mapped[str] = mapped_column(Text, default="")
    qr_kind: Mapped[str | None] = mapped_column(String(16))
    qr_content_type: Mapped[str | None] = mapped_column(String(20))
    qr_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    qr_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(f"qr_kind IS NULL OR {_in('qr_kind', QR_KINDS)}", name="qr_kind"),
        CheckConstraint(f"qr_content_type IS NULL OR {_in('qr_content_type', QR_TYPES)}", name="qr_content_type"),
        CheckConstraint("(qr_data IS NULL) = (qr_kind IS NULL) AND (qr_data IS NULL) = (qr_content_type IS NULL)",
                        name="qr_complete"),
        CheckConstraint(f"qr_data IS NULL OR length(qr_data) <= {MAX_QR}", name="qr_size"),
    )

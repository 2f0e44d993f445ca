"""Campaign read queries: campaigns, participants, shares, balances, fund, notices.

Session first; they read (and may flush), never write or commit.  Presentation as plain
dicts is in presenters.py; commands in operations.py.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, Literal

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from chamber.db import utcnow
from chamber.errors import Conflict, Invalid
from chamber.models import Chamber, Member, Tier, User
from chamber.notifications.models import InboxMessage
from chamber.notifications.operations import inbox
from chamber.rules import CURRENCY_DIGITS, MAX_SLUG

from . import rules
from .errors import NotAMerchant, campaign_rule_message
from .models import (
    Campaign,
    CollectionDetails,
    KeptOffer,
    LedgerEntry,
    OfferImage,
    Participation,
    Receipt,
    RefundPayout,
)
from .rules import RuleError


def campaign_by_slug(chamber_id: int, slug: str, *, public: bool = False) -> list[ColumnElement[bool]]:
    """The WHERE clause of "the chamber's campaign with this slug", the one lookup every page, API route,
    feed and feature uses: a slug longer than a slug can be (MAX_SLUG) finds nothing (it is not cut
    to fit), and ``public`` leaves drafts out."""
    where = [Campaign.chamber_id == chamber_id, Campaign.slug == slug if len(slug) <= MAX_SLUG else false()]
    if public:
        where.append(Campaign.status != "draft")
    return where


def get_campaign(session: Session, chamber: Chamber, slug: str, *, public: bool = False) -> Campaign | None:
    """The chamber's campaign with this slug (campaign_by_slug), or None."""
    return session.scalar(select(Campaign).where(*campaign_by_slug(chamber.id, slug, public=public)))


def list_campaigns(session: Session, chamber: Chamber, *, include_drafts: bool = False) -> list[tuple[Campaign, int]]:
    """The chamber's campaigns, newest start first, each with its participant count (one query)."""
    counts = (
        select(Participation.campaign_id, func.count(Participation.id).label("n"))
        .where(Participation.chamber_id == chamber.id)
        .group_by(Participation.campaign_id)
        .subquery()
    )
    query = (
        select(Campaign, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.campaign_id == Campaign.id)
        .where(Campaign.chamber_id == chamber.id)
        .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
    )
    if not include_drafts:
        query = query.where(Campaign.status != "draft")
    return [(c, int(n)) for c, n in session.execute(query)]


def participant_count(session: Session, campaign: Campaign) -> int:
    """How many merchants take part."""
    return session.scalar(
        select(func.count(Participation.id)).where(
            Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id
        )
    ) or 0


def participant_counts(session: Session, chamber_id: int, campaign_ids: Sequence[int]) -> dict[int, int]:
    """How many merchants take part in each of these campaigns (one query; campaigns nobody joined are left out)."""
    if not campaign_ids:
        return {}
    return {cid: int(n) for cid, n in session.execute(
        select(Participation.campaign_id, func.count(Participation.id))
        .where(Participation.chamber_id == chamber_id, Participation.campaign_id.in_(list(campaign_ids)))
        .group_by(Participation.campaign_id))}


def list_participants(session: Session, campaign: Campaign) -> list[tuple[Participation, Member]]:
    """Participations with their members, by business name."""
    rows = session.execute(
        select(Participation, Member)
        .join(Member, and_(Member.id == Participation.member_id, Member.chamber_id == Participation.chamber_id))
        .where(Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id)
        .order_by(Member.business_name, Member.id)
    ).all()
    return [(p, m) for p, m in rows]


def offer_images_of(session: Session, campaign: Campaign, member_ids: list[int] | None = None) -> set[int]:
    """The members (of member_ids, default all) whose offer card in the campaign has a picture (one query)."""
    query = select(OfferImage.member_id).where(
        OfferImage.chamber_id == campaign.chamber_id, OfferImage.campaign_id == campaign.id)
    if member_ids is not None:
        query = query.where(OfferImage.member_id.in_(member_ids))
    return set(session.scalars(query))


def offer_image(session: Session, campaign: Campaign, member_id: int) -> OfferImage | None:
    """The picture on a member's offer card in the campaign, or None."""
    return session.scalar(select(OfferImage).where(
        OfferImage.chamber_id == campaign.chamber_id, OfferImage.campaign_id == campaign.id,
        OfferImage.member_id == member_id))


def get_participation(session: Session, campaign: Campaign, member: Member) -> Participation | None:
    """This member's participation in the campaign, or None."""
    return session.scalar(
        select(Participation).where(
            Participation.chamber_id == campaign.chamber_id,
            Participation.campaign_id == campaign.id,
            Participation.member_id == member.id,
        )
    )


def entry_member(session: Session, entry: LedgerEntry) -> Member | None:
    """The member a ledger entry is about (None for one about nobody, an expense); usually loaded already."""
    return session.get(Member, entry.member_id) if entry.member_id is not None else None


def takes_part(session: Session, campaign: Campaign, member: Member) -> bool:
    """Whether the business takes part in the campaign: a ledger entry of theirs, or their participation."""
    has_entry = session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.chamber_id == campaign.chamber_id,
                                     LedgerEntry.campaign_id == campaign.id,
                                     LedgerEntry.member_id == member.id).limit(1)
    )
    return has_entry is not None or get_participation(session, campaign, member) is not None


def approved_members_of(session: Session, chamber: Chamber, user: User) -> list[Member]:
    """The user's approved businesses in the chamber (who may opt in)."""
    return list(
        session.scalars(
            select(Member)
            .where(Member.chamber_id == chamber.id, Member.user_id == user.id, Member.status == "approved")
            .order_by(Member.id)
        )
    )


def acting_business(session: Session, chamber: Chamber, user: User, member_id: Any) -> Member:
    """The business a user opts in or withdraws for: the one chosen by id, or their only approved one."""
    members = approved_members_of(session, chamber, user)
    if member_id not in (None, ""):
        chosen = [m for m in members if str(m.id) == str(member_id)]
        if not chosen:
            raise Invalid(_("You have no approved business with this member id here."), field="member_id")
        return chosen[0]
    if not members:
        raise NotAMerchant(_("Only approved member businesses can take part in campaigns."))
    if len(members) > 1:
        raise Invalid(_("You have several businesses here: say which one with member_id."), field="member_id")
    return members[0]


def currency_of(session: Session, campaign: Campaign) -> str:
    """The currency of the campaign's chamber."""
    return session.get(Chamber, campaign.chamber_id).currency  # type: ignore[union-attr]


def weight_rows(session: Session, campaign: Campaign) -> list[tuple[int, str, Any]]:
    """(member_id, business_name, weight) of the current participants; weight None if unusable."""
    rows = session.execute(
        select(Member.id, Member.business_name, Member.annual_revenue_minor, Tier.weight)
        .join(Participation, and_(Participation.member_id == Member.id, Participation.chamber_id == Member.chamber_id))
        .outerjoin(Tier, and_(Tier.id == Member.tier_id, Tier.chamber_id == Member.chamber_id))
        .where(Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id)
        .order_by(Member.id)
    ).all()
    # revenue in whole currency units (yuan), not minor units: the same proportions, and a weight
    # people can read on the shares table, the CSV and the frozen pledges
    digits = CURRENCY_DIGITS[currency_of(session, campaign)] if campaign.method == "revenue" else 0
    out = []
    for member_id, name, revenue, tier_weight in rows:
        if campaign.method == "tier":
            weight: Any = tier_weight
        elif campaign.method == "revenue":
            weight = Decimal(revenue).scaleb(-digits)
        else:
            weight = 1
        out.append((member_id, name, weight))
    return out


def apportion_shares(campaign: Campaign, rows: list[tuple[int, str, Any]]) -> dict[int, int]:
    return rules.apportion(
        campaign.budget_minor,
        {mid: w for mid, _n, w in rows},
        min_share=campaign.min_share_minor,
        max_share_pct=campaign.max_share_pct,
    )


def balances(session: Session, campaign: Campaign) -> rules.Balances:
    """The campaign's ledger totals, from its entries (one query)."""
    reversed_entry = aliased(LedgerEntry)
    rows = session.execute(
        select(LedgerEntry.entry_type, LedgerEntry.member_id, LedgerEntry.amount_minor, reversed_entry.entry_type)
        .outerjoin(reversed_entry, and_(reversed_entry.chamber_id == LedgerEntry.chamber_id,
                                        reversed_entry.id == LedgerEntry.reverses_id))
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id)
    ).all()
    return rules.ledger_balances(rows)


def open_campaigns_due_for_reminder(session: Session, now: dt.datetime, before: dt.timedelta) -> list[int]:
    """Ids of open campaigns (of every chamber) whose opt-in deadline is within ``before`` from now."""
    return list(session.scalars(select(Campaign.id).where(
        Campaign.status == "open", Campaign.optin_deadline > now, Campaign.optin_deadline <= now + before,
    ).order_by(Campaign.id)))


def due_campaign_ids(session: Session, now: dt.datetime) -> list[int]:
    """Ids of campaigns (of every chamber) that the clock should move now."""
    return list(session.scalars(
        select(Campaign.id).where(or_(
            and_(Campaign.status == "draft", Campaign.opens_at.is_not(None), Campaign.opens_at <= now),
            and_(Campaign.status == "open", Campaign.optin_deadline <= now),
            and_(Campaign.status == "locked", Campaign.starts_at <= now),
            and_(Campaign.status == "live", Campaign.ends_at <= now),
        )).order_by(Campaign.id)
    ))


def kept_offer(session: Session, campaign: Campaign, member: Member) -> KeptOffer | None:
    """The offer this member made before withdrawing, if it withdrew (for the opt-in form)."""
    return session.scalar(select(KeptOffer).where(
        KeptOffer.chamber_id == campaign.chamber_id, KeptOffer.campaign_id == campaign.id,
        KeptOffer.member_id == member.id))


def compute_shares(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    """Each participant's share: the frozen pledges once locked, else a preview computed now.

    Items: {member_id, business_name, weight (Decimal), share_minor}; shares add up to the
    budget exactly.  A preview that the rule cannot produce raises Conflict with the reason.
    """
    pledges = session.execute(
        select(LedgerEntry.member_id, Member.business_name, LedgerEntry.weight, LedgerEntry.amount_minor)
        .join(Member, and_(Member.id == LedgerEntry.member_id, Member.chamber_id == LedgerEntry.chamber_id))
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id,
               LedgerEntry.entry_type == "pledge")
        .order_by(Member.business_name, Member.id)
    ).all()
    if pledges or campaign.status not in rules.SHARES_PREVIEW:
        return [
            {"member_id": m, "business_name": name, "weight": w, "share_minor": amount}
            for m, name, w, amount in pledges
        ]
    rows = weight_rows(session, campaign)
    try:
        shares = apportion_shares(campaign, rows)
    except RuleError as err:
        raise Conflict(campaign_rule_message(err, currency_of(session, campaign))) from None
    items = [
        {"member_id": m, "business_name": name, "weight": Decimal(w), "share_minor": shares[m]}
        for m, name, w in rows
    ]
    items.sort(key=lambda i: (i["business_name"], i["member_id"]))
    return items


def get_entry(session: Session, campaign: Campaign, entry_id: int) -> LedgerEntry | None:
    """One of the campaign's ledger entries, or None."""
    return session.scalar(select(LedgerEntry).where(
        LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id,
        LedgerEntry.id == entry_id,
    ))


def get_receipt(session: Session, campaign: Campaign, receipt_id: int) -> Receipt | None:
    """A receipt attached to one of this campaign's expenses."""
    return session.scalar(
        select(Receipt)
        .join(LedgerEntry, and_(LedgerEntry.receipt_id == Receipt.id, LedgerEntry.chamber_id == Receipt.chamber_id))
        .where(Receipt.chamber_id == campaign.chamber_id, Receipt.id == receipt_id,
               LedgerEntry.campaign_id == campaign.id)
    )


#: whose payment references a reader may see: "all" (organizers) or the ids of their own businesses
References = Collection[int] | Literal["all"]


def reference_readers(session: Session, chamber: Chamber, user: User | None, *, organizer: bool) -> References:
    """Payment references (transaction numbers) are for organizers and the paying member only."""
    if organizer:
        return "all"
    if user is None:
        return ()
    return frozenset(session.scalars(
        select(Member.id).where(Member.chamber_id == chamber.id, Member.user_id == user.id)))


def chamber_fund_balance(session: Session, chamber: Chamber) -> int:
    """The chamber's fund: everything settled campaigns carried to it (minor units)."""
    return session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.chamber_id == chamber.id, LedgerEntry.entry_type == "carry_to_fund"
        )
    ) or 0


def open_campaigns_for(session: Session, chamber: Chamber, member_ids: list[int]) -> list[tuple[Campaign, set[int]]]:
    """The chamber's open campaigns (soonest deadline first), each with which of these members take part (2 queries)."""
    campaigns = list(session.scalars(
        select(Campaign).where(Campaign.chamber_id == chamber.id, Campaign.status == "open")
        .order_by(Campaign.optin_deadline, Campaign.id)
    ))
    joined: dict[int, set[int]] = {c.id: set() for c in campaigns}
    if campaigns and member_ids:
        for campaign_id, member_id in session.execute(
            select(Participation.campaign_id, Participation.member_id).where(
                Participation.chamber_id == chamber.id,
                Participation.campaign_id.in_(list(joined)),
                Participation.member_id.in_(member_ids),
            )
        ):
            joined[campaign_id].add(member_id)
    return [(c, joined[c.id]) for c in campaigns]


def notices_for(session: Session, chamber: Chamber, user_id: int, limit: int = 5) -> list[InboxMessage]:
    """The user's newest inbox messages about this chamber's campaigns (opened, deadline, lock,
    cancellation, settlement): the notices the dashboard and the campaign list show."""
    return inbox(session, user_id, chamber_id=chamber.id, kind_prefix="campaigns.", limit=limit)


# --------------------------------------------------------------------------- owing and being owed


def collection_details(session: Session, chamber: Chamber) -> CollectionDetails | None:
    """How members pay the chamber (account text, QR image), or None if the organizers have not said."""
    return session.scalar(select(CollectionDetails).where(CollectionDetails.chamber_id == chamber.id))


def refund_payouts(session: Session, campaign: Campaign) -> dict[int, RefundPayout]:
    """{refund entry id: its payout} of the campaign's refunds already paid back."""
    return {p.refund_id: p for p in session.scalars(select(RefundPayout).where(
        RefundPayout.chamber_id == campaign.chamber_id, RefundPayout.campaign_id == campaign.id))}


def refunds_paid_out(session: Session, campaign: Campaign, member_ids: Sequence[int]) -> dict[int, int]:
    """{member id: how much of its refunds in the campaign the organizers have paid back} (one query)."""
    rows = session.execute(
        select(LedgerEntry.member_id, func.sum(LedgerEntry.amount_minor))
        .join(RefundPayout, and_(RefundPayout.chamber_id == LedgerEntry.chamber_id,
                                 RefundPayout.refund_id == LedgerEntry.id))
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id,
               LedgerEntry.member_id.in_(list(member_ids)))
        .group_by(LedgerEntry.member_id))
    return {int(member_id): int(total) for member_id, total in rows if member_id is not None}


def member_accounts(session: Session, chamber: Chamber, member_ids: list[int]) -> list[dict[str, Any]]:
    """What these businesses owe or are owed, campaign by campaign, from the lock on (two queries).

    [{campaign, member_id, share_minor, paid_minor, written_off_minor, outstanding_minor, refund_minor,
      refunds_paid_out_minor}], campaigns soonest start first; a business with nothing owed and nothing
    refunded is left out.
    """
    if not member_ids:
        return []
    reversed_entry = aliased(LedgerEntry)
    rows = session.execute(
        select(LedgerEntry.campaign_id, LedgerEntry.entry_type, LedgerEntry.member_id, LedgerEntry.amount_minor,
               reversed_entry.entry_type, RefundPayout.id)
        .outerjoin(reversed_entry, and_(reversed_entry.chamber_id == LedgerEntry.chamber_id,
                                        reversed_entry.id == LedgerEntry.reverses_id))
        .outerjoin(RefundPayout, and_(RefundPayout.chamber_id == LedgerEntry.chamber_id,
                                      RefundPayout.refund_id == LedgerEntry.id))
        .where(LedgerEntry.chamber_id == chamber.id, LedgerEntry.member_id.in_(member_ids))
    ).all()
    by_campaign: dict[int, list[Any]] = {}
    paid_out: dict[tuple[int, int | None], int] = {}
    for campaign_id, entry_type, member_id, amount, reversed_type, payout_id in rows:
        by_campaign.setdefault(campaign_id, []).append((entry_type, member_id, amount, reversed_type))
        if payout_id is not None:
            paid_out[campaign_id, member_id] = paid_out.get((campaign_id, member_id), 0) + amount
    if not by_campaign:
        return []
    campaigns = session.scalars(select(Campaign).where(
        Campaign.chamber_id == chamber.id, Campaign.id.in_(list(by_campaign)),
        Campaign.status.in_(rules.SHARES_FROZEN),
    ).order_by(Campaign.starts_at, Campaign.id)).all()
    out = []
    for campaign in campaigns:
        b = rules.ledger_balances(by_campaign[campaign.id])
        cancelled = campaign.cancelled
        for member_id in sorted(set(b.member_share) | set(b.member_refund)):
            item = {
                "campaign": campaign,
                "member_id": member_id,
                **b.account(member_id, cancelled=cancelled),
                "refunds_paid_out_minor": paid_out.get((campaign.id, member_id), 0),
            }
            if item["outstanding_minor"] or item["refund_minor"]:
                out.append(item)
    return out


def inbox_notices(session: Session, chamber: Chamber, user_id: int,
                  member_ids: list[int]) -> list[tuple[int, str, str, dt.datetime, Campaign]]:
    """The cancellation notices of a user's businesses, read from their inbox (the delivery service):
    (member_id, "cancelled", the reason, when, campaign), newest first."""
    from chamber.notifications.models import InboxMessage

    if not member_ids:
        return []
    messages = session.execute(
        select(InboxMessage.source, InboxMessage.created_at).where(
            InboxMessage.chamber_id == chamber.id, InboxMessage.user_id == user_id,
            InboxMessage.kind == "campaigns.cancelled")
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())).all()
    when = {int(source.rsplit(":", 1)[1]): at for source, at in messages if source.rsplit(":", 1)[1].isdigit()}
    if not when:
        return []
    campaigns = {c.id: c for c in session.scalars(
        select(Campaign).where(Campaign.chamber_id == chamber.id, Campaign.id.in_(list(when))))}
    joined = session.execute(select(Participation.campaign_id, Participation.member_id).where(
        Participation.chamber_id == chamber.id, Participation.campaign_id.in_(list(when)),
        Participation.member_id.in_(member_ids)).order_by(Participation.member_id)).all()
    out = [(member_id, "cancelled", campaigns[cid].cancel_reason or "", when[cid], campaigns[cid])
           for cid, member_id in joined if cid in campaigns]
    return sorted(out, key=lambda n: n[3], reverse=True)


# --------------------------------------------------------------------------- what shoppers and the trust service see


def lookup_public_campaign(session: Session, chamber_id: int, key: str) -> tuple[int, str] | None:
    """(id, title) of the chamber's non-draft campaign with this slug (the trust service's campaign lookup)."""
    row = session.execute(
        select(Campaign.id, Campaign.title).where(*campaign_by_slug(chamber_id, key, public=True))
    ).first()
    return (row[0], row[1]) if row else None


def member_campaigns(session: Session, chamber_id: int, member_id: int, *, limit: int = 50) -> list[Campaign]:
    """The non-draft campaigns the member took part in, newest start first (their public page, the review form)."""
    return list(session.scalars(
        select(Campaign)
        .join(
            Participation,
            and_(Participation.campaign_id == Campaign.id, Participation.chamber_id == Campaign.chamber_id),
        )
        .where(Campaign.chamber_id == chamber_id, Participation.member_id == member_id, Campaign.status != "draft")
        .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
        .limit(limit)
    ))


def member_public_campaigns(session: Session, chamber_id: int, member_id: int) -> list[tuple[str, str]]:
    """(slug, title) of the non-draft campaigns the member took part in, newest first (the review form)."""
    return [(c.slug, c.title) for c in member_campaigns(session, chamber_id, member_id)]


def public_campaigns(session: Session, chamber: Chamber, *, limit: int = 20) -> list[Campaign]:
    """The chamber's non-draft campaigns for its public page: running ones first, then upcoming, then the past;
    newest start first within each."""
    order = case((Campaign.status.in_(rules.RUNNING), 0), (Campaign.status.in_(rules.UPCOMING), 1), else_=2)
    return list(session.scalars(
        select(Campaign)
        .where(Campaign.chamber_id == chamber.id, Campaign.status != "draft")
        .order_by(order, Campaign.starts_at.desc(), Campaign.id.desc())
        .limit(limit)
    ))


def pledges_paid_by_start(session: Session, chamber_id: int, member_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{member id: (pledged, paid by each campaign's start)} over the campaigns that have started and were not
    cancelled; a campaign's payments count up to its pledge, reversed payments not at all (one query)."""
    paid_by_start = (
        select(LedgerEntry.campaign_id, LedgerEntry.member_id, func.sum(LedgerEntry.amount_minor).label("paid"))
        .join(Campaign, and_(Campaign.id == LedgerEntry.campaign_id, Campaign.chamber_id == LedgerEntry.chamber_id))
        .where(
            LedgerEntry.chamber_id == chamber_id,
            LedgerEntry.entry_type == "payment",
            LedgerEntry.created_at <= Campaign.starts_at,
            ~LedgerEntry.id.in_(
                select(LedgerEntry.reverses_id).where(
                    LedgerEntry.chamber_id == chamber_id, LedgerEntry.reverses_id.is_not(None)
                )
            ),
        )
        .group_by(LedgerEntry.campaign_id, LedgerEntry.member_id)
        .subquery()
    )
    rows = session.execute(
        select(
            LedgerEntry.member_id,
            func.sum(LedgerEntry.amount_minor),
            func.sum(
                case(
                    (paid_by_start.c.paid > LedgerEntry.amount_minor, LedgerEntry.amount_minor),
                    else_=func.coalesce(paid_by_start.c.paid, 0),
                )
            ),
        )
        .join(Campaign, and_(Campaign.id == LedgerEntry.campaign_id, Campaign.chamber_id == LedgerEntry.chamber_id))
        .outerjoin(
            paid_by_start,
            and_(
                paid_by_start.c.campaign_id == LedgerEntry.campaign_id,
                paid_by_start.c.member_id == LedgerEntry.member_id,
            ),
        )
        .where(
            LedgerEntry.chamber_id == chamber_id,
            LedgerEntry.entry_type == "pledge",
            LedgerEntry.member_id.in_(member_ids),
            LedgerEntry.amount_minor > 0,
            Campaign.starts_at <= utcnow(),
            ~Campaign.cancelled,
        )
        .group_by(LedgerEntry.member_id)
    )
    return {int(mid): (int(pledged or 0), int(paid or 0)) for mid, pledged, paid in rows if mid is not None}


def on_time_payments(session: Session, chamber_id: int, member_ids: list[int]) -> dict[int, float]:
    """The trust service's on-time input: each member's share of pledges paid by the campaign's start
    (rules.on_time_share), over campaigns that have started."""
    shares = {mid: rules.on_time_share(paid, pledged)
              for mid, (pledged, paid) in pledges_paid_by_start(session, chamber_id, member_ids).items()}
    return {mid: share for mid, share in shares.items() if share is not None}


def public_participants(session: Session, campaign: Campaign) -> list[Any]:
    """The approved merchants taking part, by business name: (headline, details, member id, business name, shop
    link, WeChat id, offer picture's content type or None), one query."""
    return list(session.execute(
        select(
            Participation.offer_headline,
            Participation.offer_details,
            Member.id,
            Member.business_name,
            Member.shop_url,
            Member.wechat_id,
            OfferImage.content_type,
        )
        .join(Member, and_(Member.id == Participation.member_id, Member.chamber_id == Participation.chamber_id))
        .outerjoin(
            OfferImage,
            and_(
                OfferImage.chamber_id == Participation.chamber_id,
                OfferImage.campaign_id == Participation.campaign_id,
                OfferImage.member_id == Participation.member_id,
            ),
        )
        .where(
            Participation.chamber_id == campaign.chamber_id,
            Participation.campaign_id == campaign.id,
            Member.status == "approved",
        )
        .order_by(Member.business_name, Member.id)
    ).all())


def approved_participant_count(session: Session, campaign: Campaign) -> int:
    """How many approved merchants take part (what shoppers are told)."""
    return session.scalar(
        select(func.count())
        .select_from(Participation)
        .join(Member, and_(Member.id == Participation.member_id, Member.chamber_id == Participation.chamber_id))
        .where(
            Participation.chamber_id == campaign.chamber_id,
            Participation.campaign_id == campaign.id,
            Member.status == "approved",
        )
    ) or 0


def public_ledger_entries(session: Session, campaign: Campaign) -> list[Any]:
    """The campaign's payments, expenses, refunds and carries to the fund that no reversal cancelled, oldest
    first, with the payer's business name (the open books; one query)."""
    reversed_ids = select(LedgerEntry.reverses_id).where(
        LedgerEntry.chamber_id == campaign.chamber_id,
        LedgerEntry.campaign_id == campaign.id,
        LedgerEntry.reverses_id.is_not(None),
    )
    return list(session.execute(
        select(
            LedgerEntry.entry_type,
            LedgerEntry.amount_minor,
            LedgerEntry.paid_on,
            LedgerEntry.created_at,
            LedgerEntry.payee,
            LedgerEntry.category,
            LedgerEntry.description,
            LedgerEntry.receipt_id,
            Member.business_name,
        )
        .outerjoin(Member, and_(Member.id == LedgerEntry.member_id, Member.chamber_id == LedgerEntry.chamber_id))
        .where(
            LedgerEntry.chamber_id == campaign.chamber_id,
            LedgerEntry.campaign_id == campaign.id,
            LedgerEntry.entry_type.in_(list(rules.MONEY_DIRECTIONS)),
            LedgerEntry.id.not_in(reversed_ids),
        )
        .order_by(LedgerEntry.created_at, LedgerEntry.id)
    ).all())

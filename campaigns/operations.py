"""Campaign operations: create/edit, status moves, opt-in, shares, the ledger, settlement.

Verb-first, session first, may flush(), never commit().  Operations that change totals (opt-in,
withdrawal, payments, expenses, reversals, transitions, settlement) first lock the campaign row
(``SELECT … FOR UPDATE``; SQLite serialises writers with BEGIN IMMEDIATE anyway), and read
whatever they check *after* taking the lock, so concurrent requests cannot both spend the same
money or miscount participants.

Ledger entries are only ever inserted; there is no update path (and the database refuses
UPDATE/DELETE on ``ledger_entries`` by trigger).  Entries made by the clock (pledges frozen by
the automatic lock, refunds of an automatic cancellation) are recorded as made by the
organizer who created the campaign, on whose configured deadline they happen.

The chamber's fund is the sum of the ``carry_to_fund`` entries of its campaigns
(``chamber_fund_balance``); there is no separate fund table.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any, Literal

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from chamber.db import utcnow
from chamber.errors import Conflict, Invalid, rule_message
from chamber.models import Chamber, Member, Tier, User
from chamber.rules import CURRENCY_DIGITS, display_money, plain_decimal

from . import rules
from .models import MAX_PARTICIPANTS, Campaign, CampaignNotice, KeptOffer, LedgerEntry, Participation, Receipt
from .rules import RuleError

#: RuleError parameters that are amounts in minor units (formatted as money in messages)
MONEY_PARAMS = frozenset({"budget", "min_share", "cap", "needed", "covered", "amount", "paid", "pooled", "min_pooled"})

CAMPAIGN_FIELDS = (
    "slug", "title", "festival", "description", "starts_at", "ends_at", "optin_deadline", "opens_at", "budget_minor",
    "method", "min_share_minor", "max_share_pct", "min_participants", "min_pooled_minor",
)


class NotAMerchant(Invalid):
    """The user has no approved business in the chamber to act for (403)."""

    status = 403


class ReceiptTooLarge(Invalid):
    """A receipt above 5 MB (the API answers 413)."""

    status = 413


def campaign_rule_message(err: RuleError, currency: str) -> str:
    """Translate a campaigns.rules RuleError and fill in its params, amounts formatted as money."""
    params = {}
    for key, value in err.params.items():
        if key in MONEY_PARAMS and isinstance(value, int) and not isinstance(value, bool):
            value = display_money(value, currency)
        elif isinstance(value, Decimal):
            value = plain_decimal(value)
        params[key] = value
    return _(err.message) % params


def status_name(status: str) -> str:
    names = {
        "draft": _("a draft"), "open": _("open"), "locked": _("locked"), "live": _("live"),
        "ended": _("ended"), "settled": _("settled"), "cancelled": _("cancelled"),
    }
    return names.get(status, status)


# --------------------------------------------------------------------------- reading


def get_campaign(session: Session, chamber: Chamber, slug: str) -> Campaign | None:
    """The chamber's campaign with this slug, or None."""
    if len(slug) > 40:
        return None
    return session.scalar(select(Campaign).where(Campaign.chamber_id == chamber.id, Campaign.slug == slug))


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


def list_participants(session: Session, campaign: Campaign) -> list[tuple[Participation, Member]]:
    """Participations with their members, by business name."""
    rows = session.execute(
        select(Participation, Member)
        .join(Member, and_(Member.id == Participation.member_id, Member.chamber_id == Participation.chamber_id))
        .where(Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id)
        .order_by(Member.business_name, Member.id)
    ).all()
    return [(p, m) for p, m in rows]


def get_participation(session: Session, campaign: Campaign, member: Member) -> Participation | None:
    """This member's participation in the campaign, or None."""
    return session.scalar(
        select(Participation).where(
            Participation.chamber_id == campaign.chamber_id,
            Participation.campaign_id == campaign.id,
            Participation.member_id == member.id,
        )
    )


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


def _lock(session: Session, campaign: Campaign) -> Campaign:
    """Take the campaign's row lock and read the row again (the same object, refreshed).

    Whoever held the lock before us has committed by now; the status, budget and settings this
    request loaded earlier may be stale, so everything is decided on the row read here, and
    whatever else is checked (participants, ledger balances) is queried after this.  The row
    must be fetched: populate_existing refreshes the object only from rows actually loaded.
    """
    return session.scalars(
        select(Campaign)
        .where(Campaign.chamber_id == campaign.chamber_id, Campaign.id == campaign.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _currency(session: Session, campaign: Campaign) -> str:
    """The currency of the campaign's chamber."""
    return session.get(Chamber, campaign.chamber_id).currency  # type: ignore[union-attr]


# --------------------------------------------------------------------------- create / edit


def _check_campaign_rule(currency: str, fields: dict[str, Any], n: int) -> None:
    try:
        rules.check_rule(
            fields["budget_minor"], n, min_share=fields.get("min_share_minor"),
                         max_share_pct=fields.get("max_share_pct")
        )
    except RuleError as err:
        field = "max_share_pct" if err.code in ("bad_cap_pct", "caps_below_budget", "floor_above_cap") else "min_share"
        raise Invalid(campaign_rule_message(err, currency), field=field) from None


def _check_times(fields: dict[str, Any]) -> None:
    if fields["ends_at"] <= fields["starts_at"]:
        raise Invalid(_("The campaign must end after it starts."), field="ends_at")
    if fields["optin_deadline"] > fields["starts_at"]:
        raise Invalid(_("The opt-in deadline must not be after the start."), field="optin_deadline")
    if fields.get("opens_at") is not None and fields["opens_at"] >= fields["optin_deadline"]:
        raise Invalid(_("The campaign must open before the opt-in deadline."), field="opens_at")


def _check_threshold_fields(fields: dict[str, Any]) -> None:
    """The go/no-go threshold must be one that can ever be met.

    ``min_pooled`` is compared with what the participants can pool, ``min(budget, n × cap)``
    (rules.pooled_amount), which is never more than the budget.
    """
    if fields.get("min_pooled_minor") is not None and fields["min_pooled_minor"] > fields["budget_minor"]:
        raise Invalid(_("The minimum pooled amount cannot be more than the budget."), field="min_pooled")
    if fields.get("min_participants") is not None and not 1 <= fields["min_participants"] <= MAX_PARTICIPANTS:
        raise Invalid(_("Give a whole number from 1 to 100,000."), field="min_participants")


def create_campaign(session: Session, chamber: Chamber, by: User, **fields: Any) -> Campaign:
    """Create a draft campaign.  fields: see CAMPAIGN_FIELDS (money in minor units, times aware).

    The apportionment rule is checked as for zero participants (only what is wrong whatever
    the participants, e.g. a minimum share above the cap, is refused now).
    """
    fields = {k: fields.get(k) for k in CAMPAIGN_FIELDS}
    fields["description"] = fields["description"] or ""
    _check_times(fields)
    _check_threshold_fields(fields)
    _check_campaign_rule(chamber.currency, fields, 0)
    if session.scalar(select(Campaign.id).where(Campaign.chamber_id == chamber.id, Campaign.slug == fields["slug"])):
        raise Conflict(_("This chamber already has a campaign at this web address; choose another slug."), field="slug")
    campaign = Campaign(chamber_id=chamber.id, created_by_id=by.id, status="draft", **fields)
    session.add(campaign)
    session.flush()
    return campaign


def update_campaign(session: Session, campaign: Campaign, **fields: Any) -> Campaign:
    """Replace a draft or open campaign's settings; the rule is checked for the current participants."""
    campaign = _lock(session, campaign)
    if campaign.status not in ("draft", "open"):
        raise Conflict(_("Only a draft or open campaign can be edited; this one is %(status)s.",
                         status=status_name(campaign.status)))
    fields = {k: fields.get(k) for k in CAMPAIGN_FIELDS}
    fields["description"] = fields["description"] or ""
    _check_times(fields)
    _check_threshold_fields(fields)
    _check_campaign_rule(_currency(session, campaign), fields, participant_count(session, campaign))
    if fields["slug"] != campaign.slug and session.scalar(
        select(Campaign.id).where(Campaign.chamber_id == campaign.chamber_id, Campaign.slug == fields["slug"])
    ):
        raise Conflict(_("This chamber already has a campaign at this web address; choose another slug."), field="slug")
    for key, value in fields.items():
        setattr(campaign, key, value)
    campaign.updated_at = utcnow()
    session.flush()
    return campaign


# --------------------------------------------------------------------------- status moves


def transition_campaign(
    session: Session,
    campaign: Campaign,
    to: str,
    by: User,
    *,
    mode: str | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Campaign:
    """Move a campaign to status ``to`` as the organizer ``by``; Conflict (409) for any other move.

    ``locked`` freezes the shares as pledges (refused if the rule or the go/no-go threshold
    is not met), ``settled`` takes ``mode`` ("refund", the default, or "carry"), ``cancelled`` refunds
    whatever paid money is left and tells every participant ``reason``.
    """
    now = now or utcnow()
    campaign = _lock(session, campaign)
    if campaign.status == to:  # e.g. the second of two clicks, or a person after the clock
        raise Conflict(_("The campaign is already %(status)s.", status=status_name(to)))
    try:
        rules.check_transition(campaign.status, to)
    except RuleError as err:
        params = dict(err.params)
        if "current" in params:
            params["current"] = status_name(params["current"])
            params["target"] = status_name(params["target"])
        raise Conflict(_(err.message) % params) from None
    if to == "open":
        if campaign.optin_deadline <= now:
            raise Conflict(_("The opt-in deadline has passed; move it to the future before opening the campaign."))
        campaign.status = "open"
    elif to == "locked":
        _lock_shares(session, campaign, by, now, automatic=False)
    elif to in ("live", "ended"):
        for name, value in rules.early_move_times(
            to, now, opens_at=campaign.opens_at, optin_deadline=campaign.optin_deadline,
            starts_at=campaign.starts_at, ends_at=campaign.ends_at,
        ).items():
            setattr(campaign, name, value)
        campaign.status = to
    elif to == "settled":
        mode = mode or "refund"  # the contract's default: back to the members in proportion to what they paid
        if mode not in ("refund", "carry"):
            raise Invalid(_("Choose how to settle: refund the remainder or carry it to the chamber's fund."),
                          field="mode")
        _settle(session, campaign, mode, by, now)
    elif to == "cancelled":
        _cancel(session, campaign, by, reason or _("The organizer cancelled the campaign."), now)
    campaign.updated_at = now
    session.flush()
    return campaign


def settle_campaign(session: Session, campaign: Campaign, mode: str, by: User, *,
                    now: dt.datetime | None = None) -> Campaign:
    """Settle an ended campaign: refund the unspent remainder pro rata to payments, or carry it to the fund."""
    return transition_campaign(session, campaign, "settled", by, mode=mode, now=now)


def _weight_rows(session: Session, campaign: Campaign) -> list[tuple[int, str, Any]]:
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
    digits = CURRENCY_DIGITS[_currency(session, campaign)] if campaign.method == "revenue" else 0
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


def _apportion(campaign: Campaign, rows: list[tuple[int, str, Any]]) -> dict[int, int]:
    return rules.apportion(
        campaign.budget_minor,
        {mid: w for mid, _n, w in rows},
        min_share=campaign.min_share_minor,
        max_share_pct=campaign.max_share_pct,
    )


def _lock_shares(session: Session, campaign: Campaign, by: User | None, now: dt.datetime, *, automatic: bool) -> None:
    """Freeze shares as pledges, or (automatic, at the deadline) cancel if the campaign cannot go ahead."""
    currency = _currency(session, campaign)
    rows = _weight_rows(session, campaign)
    try:
        rules.check_threshold(
            campaign.budget_minor, len(rows), min_participants=campaign.min_participants,
            min_pooled=campaign.min_pooled_minor, max_share_pct=campaign.max_share_pct,
        )
        shares = _apportion(campaign, rows)
    except RuleError as err:
        message = campaign_rule_message(err, currency)
        if not automatic:
            raise Conflict(message) from None
        _cancel(session, campaign, None, message, now)
        return
    created_by = by.id if by is not None else campaign.created_by_id
    for member_id, _name, weight in rows:
        session.add(LedgerEntry(
            chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type="pledge", member_id=member_id,
            amount_minor=shares[member_id], weight=Decimal(weight), created_by_id=created_by, created_at=now,
        ))
    campaign.status = "locked"
    campaign.locked_at = now


def _entries_for_balances(session: Session, campaign: Campaign) -> rules.Balances:
    """The balances of the whole ledger, from its entries (one query)."""
    reversed_entry = aliased(LedgerEntry)
    rows = session.execute(
        select(LedgerEntry.entry_type, LedgerEntry.member_id, LedgerEntry.amount_minor, reversed_entry.entry_type)
        .outerjoin(reversed_entry, and_(reversed_entry.chamber_id == LedgerEntry.chamber_id,
                                        reversed_entry.id == LedgerEntry.reverses_id))
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id)
    ).all()
    return rules.ledger_balances(rows)


def balances(session: Session, campaign: Campaign) -> rules.Balances:
    """The campaign's ledger totals (one query)."""
    return _entries_for_balances(session, campaign)


def payout_plan(b: rules.Balances, mode: str) -> tuple[dict[int, int], int]:
    """What settling (or cancelling) in ``mode`` pays out from these balances: ({member: refund}, carried)."""
    paid = {m: v for m, v in sorted(b.member_paid.items()) if v > 0}
    return rules.settlement_amounts(mode, b.available, paid)


def _pay_out(session: Session, campaign: Campaign, mode: str, created_by: int, now: dt.datetime) -> None:
    """Refund the unspent remainder in proportion to payments, or carry it to the chamber's fund."""
    refunds, carried = payout_plan(_entries_for_balances(session, campaign), mode)
    for member_id, amount in refunds.items():
        if amount:
            session.add(LedgerEntry(
                chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type="refund", member_id=member_id,
                amount_minor=amount, created_by_id=created_by, created_at=now,
            ))
    if carried:
        session.add(LedgerEntry(
            chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type="carry_to_fund",
            amount_minor=carried, created_by_id=created_by, created_at=now,
        ))


def _settle(session: Session, campaign: Campaign, mode: str, by: User, now: dt.datetime) -> None:
    """Pay out the remainder and close the ledger."""
    _pay_out(session, campaign, mode, by.id, now)
    campaign.status = "settled"
    campaign.settlement_mode = mode
    campaign.settled_at = now


def _cancel(session: Session, campaign: Campaign, by: User | None, reason: str, now: dt.datetime) -> None:
    """Cancel: nobody owes anything more, paid money still unspent is refunded pro rata, participants are told."""
    _pay_out(session, campaign, "refund", by.id if by is not None else campaign.created_by_id, now)
    campaign.status = "cancelled"
    campaign.cancel_reason = reason
    campaign.cancelled_at = now
    existing = set(session.scalars(
        select(CampaignNotice.member_id).where(
            CampaignNotice.chamber_id == campaign.chamber_id, CampaignNotice.campaign_id == campaign.id,
            CampaignNotice.kind == "cancelled",
        )
    ))
    for participation in session.scalars(
        select(Participation).where(
            Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id
        )
    ):
        if participation.member_id not in existing:
            session.add(CampaignNotice(
                chamber_id=campaign.chamber_id, campaign_id=campaign.id, member_id=participation.member_id,
                kind="cancelled", message=reason, created_at=now,
            ))


def advance_due(session: Session, campaign: Campaign, now: dt.datetime | None = None) -> list[str]:
    """Apply the moves the clock makes (open a draft at its opening time if it has one, lock at the
    deadline, live at the start, ended at the end).

    Returns the statuses passed through.  At the deadline a campaign whose go/no-go threshold or
    apportionment rule is not met is cancelled with the reason instead of locked.
    """
    now = now or utcnow()
    campaign = _lock(session, campaign)
    moved = []
    while True:
        target = rules.due_transition(campaign.status, now, campaign.optin_deadline, campaign.starts_at,
                                      campaign.ends_at, opens_at=campaign.opens_at)
        if target is None:
            break
        if target == "locked":
            _lock_shares(session, campaign, None, now, automatic=True)
        else:
            campaign.status = target
        campaign.updated_at = now
        moved.append(campaign.status)
        if campaign.status == "cancelled":
            break
    session.flush()
    return moved


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


# --------------------------------------------------------------------------- participation


def opt_in(
    session: Session, campaign: Campaign, member: Member, *, offer_headline: str, offer_details: str = "",
    now: dt.datetime | None = None,
) -> tuple[Participation, bool]:
    """Opt an approved member in with its offer, or update the offer if it is already in.

    Returns (participation, created).  Only while the campaign is open and before the deadline.
    """
    now = now or utcnow()
    campaign = _lock(session, campaign)
    if member.chamber_id != campaign.chamber_id or member.status != "approved":
        raise Conflict(_("Only approved members of this chamber can take part."))
    if campaign.status != "open":
        raise Conflict(_("Opting in is possible only while the campaign is open; it is %(status)s.",
                         status=status_name(campaign.status)))
    if now >= campaign.optin_deadline:
        raise Conflict(_("The opt-in deadline has passed."))
    participation = get_participation(session, campaign, member)
    created = participation is None
    if participation is None:
        _check_can_join(session, campaign, member)
        participation = Participation(
            chamber_id=campaign.chamber_id, campaign_id=campaign.id, member_id=member.id, joined_at=now,
            offer_headline=offer_headline, offer_details=offer_details or "", updated_at=now,
        )
        session.add(participation)
    else:
        participation.offer_headline = offer_headline
        participation.offer_details = offer_details or ""
        participation.updated_at = now
    session.flush()
    return participation, created


def _check_can_join(session: Session, campaign: Campaign, member: Member) -> None:
    """Refuse a new participant the apportionment could not include (Conflict with the reason).

    A member without a positive weight (declared revenue 0 in a revenue-shared campaign; tier
    weights are always positive and approved members always have a tier) could never be given
    a share, and one more participant must not push the minimum shares above the budget; either
    would only make every preview fail and the automatic lock cancel the campaign.
    """
    if campaign.method == "revenue" and not member.annual_revenue_minor:
        raise Conflict(_("Your declared annual revenue is 0, so a revenue-shared budget cannot include you; "
                         "ask the organizers to update it."))
    try:
        rules.check_rule(campaign.budget_minor, participant_count(session, campaign) + 1,
                         min_share=campaign.min_share_minor, max_share_pct=campaign.max_share_pct)
    except RuleError as err:
        # Too few participants to cover the budget under the cap is fixed by more joining;
        # only a rule that more participants make worse refuses this one.
        if err.code != "caps_below_budget":
            raise Conflict(_("The campaign cannot take more merchants: %(reason)s",
                             reason=campaign_rule_message(err, _currency(session, campaign)))) from None


def withdraw(session: Session, campaign: Campaign, member: Member, *, now: dt.datetime | None = None) -> None:
    """Take a member out of an open campaign (before the deadline); Conflict after lock."""
    now = now or utcnow()
    campaign = _lock(session, campaign)
    if campaign.status != "open" or now >= campaign.optin_deadline:
        raise Conflict(_("Withdrawing is possible only while the campaign is open and before the opt-in deadline."))
    participation = get_participation(session, campaign, member)
    if participation is None:
        raise Conflict(_("This business is not taking part."))
    kept = kept_offer(session, campaign, member)
    if kept is None:
        kept = KeptOffer(chamber_id=campaign.chamber_id, campaign_id=campaign.id, member_id=member.id)
        session.add(kept)
    kept.offer_headline, kept.offer_details, kept.kept_at = (
        participation.offer_headline, participation.offer_details, now)
    session.delete(participation)
    session.flush()


def kept_offer(session: Session, campaign: Campaign, member: Member) -> KeptOffer | None:
    """The offer this member made before withdrawing, if it withdrew (for the opt-in form)."""
    return session.scalar(select(KeptOffer).where(
        KeptOffer.chamber_id == campaign.chamber_id, KeptOffer.campaign_id == campaign.id,
        KeptOffer.member_id == member.id))


# --------------------------------------------------------------------------- shares


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
    if pledges or campaign.status not in ("draft", "open"):
        return [
            {"member_id": m, "business_name": name, "weight": w, "share_minor": amount}
            for m, name, w, amount in pledges
        ]
    rows = _weight_rows(session, campaign)
    try:
        shares = _apportion(campaign, rows)
    except RuleError as err:
        raise Conflict(campaign_rule_message(err, _currency(session, campaign))) from None
    items = [
        {"member_id": m, "business_name": name, "weight": Decimal(w), "share_minor": shares[m]}
        for m, name, w in rows
    ]
    items.sort(key=lambda i: (i["business_name"], i["member_id"]))
    return items


# --------------------------------------------------------------------------- ledger


def _check_ledger_open(campaign: Campaign) -> None:
    if campaign.status not in rules.LEDGER_OPEN:
        if campaign.status in ("draft", "open"):
            raise Conflict(_("The ledger opens when the campaign is locked and the shares are pledged."))
        raise Conflict(_("The campaign is %(status)s: its ledger is closed.", status=status_name(campaign.status)))


def record_payment(
    session: Session, campaign: Campaign, by: User, *, member_id: int, amount_minor: int, method: str,
    reference: str = "", paid_on: dt.date, now: dt.datetime | None = None,
) -> LedgerEntry:
    """Record money received from a participant (partial payments are fine)."""
    campaign = _lock(session, campaign)
    _check_ledger_open(campaign)
    if amount_minor <= 0:
        raise Invalid(_("The amount must be more than zero."), field="amount")
    pledged = session.scalar(select(LedgerEntry.id).where(
        LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id,
        LedgerEntry.entry_type == "pledge", LedgerEntry.member_id == member_id,
    ).limit(1))
    if pledged is None:
        raise Invalid(_("Member %(id)s is not a participant of this campaign.", id=member_id), field="member_id")
    owed = _entries_for_balances(session, campaign).outstanding(member_id)
    if amount_minor > owed:
        currency = _currency(session, campaign)
        raise Conflict(
            _("%(amount)s is more than this member still owes (%(owed)s).",
              amount=display_money(amount_minor, currency), owed=display_money(owed, currency)),
            field="amount",
        )
    entry = LedgerEntry(
        chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type="payment", member_id=member_id,
        amount_minor=amount_minor, method=method, reference=reference or "", paid_on=paid_on,
        created_by_id=by.id, created_at=now or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def check_receipt(data: bytes) -> str:
    """The receipt's content type by its magic bytes; Invalid / ReceiptTooLarge otherwise."""
    try:
        return rules.sniff_receipt(data[:16], len(data))
    except RuleError as err:
        message = rule_message(err)
        if err.code == "receipt_too_large":
            raise ReceiptTooLarge(message, field="receipt") from None
        raise Invalid(message, field="receipt") from None


def record_expense(
    session: Session, campaign: Campaign, by: User, *, payee: str, category: str, amount_minor: int,
    description: str = "", receipt: bytes | None = None, now: dt.datetime | None = None,
) -> LedgerEntry:
    """Record money spent from the pool, with an optional receipt file; never more than is available."""
    content_type = check_receipt(receipt) if receipt is not None else None
    campaign = _lock(session, campaign)
    _check_ledger_open(campaign)
    if amount_minor <= 0:
        raise Invalid(_("The amount must be more than zero."), field="amount")
    available = _entries_for_balances(session, campaign).available
    if amount_minor > available:
        currency = _currency(session, campaign)
        raise Conflict(
            _("Spending %(amount)s is more than the %(available)s available.",
              amount=display_money(amount_minor, currency), available=display_money(available, currency)),
            field="amount",
        )
    receipt_id = None
    if receipt is not None:
        row = Receipt(chamber_id=campaign.chamber_id, content_type=content_type, size=len(receipt),
                      sha256=hashlib.sha256(receipt).hexdigest(), data=receipt)
        session.add(row)
        session.flush()
        receipt_id = row.id
    entry = LedgerEntry(
        chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type="expense", payee=payee,
        category=category, amount_minor=amount_minor, description=description or "", receipt_id=receipt_id,
        created_by_id=by.id, created_at=now or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def get_entry(session: Session, campaign: Campaign, entry_id: int) -> LedgerEntry | None:
    """One of the campaign's ledger entries, or None."""
    return session.scalar(select(LedgerEntry).where(
        LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id,
        LedgerEntry.id == entry_id,
    ))


def reverse_entry(
    session: Session, campaign: Campaign, entry: LedgerEntry, by: User, *, reason: str,
    now: dt.datetime | None = None,
) -> LedgerEntry:
    """Cancel a payment or an expense by a reversal entry (once; a reversal cannot be reversed)."""
    campaign = _lock(session, campaign)
    _check_ledger_open(campaign)
    if entry.chamber_id != campaign.chamber_id or entry.campaign_id != campaign.id:
        raise Invalid(_("There is no such ledger entry."), field="entry")
    if entry.entry_type == "reversal":
        raise Conflict(_("A reversal cannot be reversed; record the entry again instead."))
    if entry.entry_type not in ("payment", "expense"):
        raise Conflict(_("Only payments and expenses can be reversed."))
    if session.scalar(select(LedgerEntry.id).where(LedgerEntry.chamber_id == campaign.chamber_id,
                                                   LedgerEntry.reverses_id == entry.id)):
        raise Conflict(_("Entry %(id)s has already been reversed.", id=entry.id))
    if entry.entry_type == "payment":
        available = _entries_for_balances(session, campaign).available
        if entry.amount_minor > available:
            currency = _currency(session, campaign)
            raise Conflict(_(
                "Reversing this payment of %(amount)s would leave less than nothing: only %(available)s is unspent.",
                amount=display_money(entry.amount_minor, currency), available=display_money(available, currency),
            ))
    reversal = LedgerEntry(
        chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type="reversal", member_id=entry.member_id,
        amount_minor=entry.amount_minor, reverses_id=entry.id, reason=reason, created_by_id=by.id,
        created_at=now or utcnow(),
    )
    session.add(reversal)
    session.flush()
    return reversal


def get_receipt(session: Session, campaign: Campaign, receipt_id: int) -> Receipt | None:
    """A receipt attached to one of this campaign's expenses."""
    return session.scalar(
        select(Receipt)
        .join(LedgerEntry, and_(LedgerEntry.receipt_id == Receipt.id, LedgerEntry.chamber_id == Receipt.chamber_id))
        .where(Receipt.chamber_id == campaign.chamber_id, Receipt.id == receipt_id,
               LedgerEntry.campaign_id == campaign.id)
    )


#: the ledger_entries columns an entry dict needs; selected as plain columns, not ORM objects, because
#: building 5,000 LedgerEntry instances dominated GET .../ledger (bench/bench_ledger.py)
_ENTRY_COLUMNS = (
    LedgerEntry.id, LedgerEntry.entry_type, LedgerEntry.member_id, LedgerEntry.amount_minor, LedgerEntry.weight,
    LedgerEntry.method, LedgerEntry.reference, LedgerEntry.paid_on, LedgerEntry.payee, LedgerEntry.category,
    LedgerEntry.description, LedgerEntry.receipt_id, LedgerEntry.reverses_id, LedgerEntry.reason,
    LedgerEntry.created_by_id, LedgerEntry.created_at,
)


def _entry_rows(session: Session, campaign: Campaign, entry_id: int | None = None, *,
                id_range: tuple[int, int] | None = None) -> Sequence[Sequence[Any]]:
    """Plain tuples: the _ENTRY_COLUMNS, then author name, receipt content type, size, sha256.

    All the campaign's entries in id order, or one (entry_id), or those with ids in id_range (inclusive).
    """
    query = (
        select(*_ENTRY_COLUMNS, User.display_name, Receipt.content_type, Receipt.size, Receipt.sha256)
        .join(User, User.id == LedgerEntry.created_by_id)
        .outerjoin(Receipt, and_(Receipt.id == LedgerEntry.receipt_id, Receipt.chamber_id == LedgerEntry.chamber_id))
        .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id)
        .order_by(LedgerEntry.id)
    )
    if entry_id is not None:
        query = query.where(LedgerEntry.id == entry_id)
    if id_range is not None:
        query = query.where(LedgerEntry.id.between(*id_range))
    # through the Core connection and fetched at once: the ORM's row loading and row-by-row fetching
    # cost ~25 ms per 5,000 rows (bench/bench_ledger.py); flushed first, as session.execute() would autoflush
    session.flush()
    return session.connection().execute(query).all()


def _entry_dict(row: Sequence[Any], reversed_by: int | None) -> dict[str, Any]:
    (entry_id, entry_type, member_id, amount_minor, weight, method, reference, paid_on, payee, category,
     description, receipt_id, reverses_id, reason, created_by_id, created_at,
     author, content_type, size, sha) = row
    return {
        "id": entry_id,
        "type": entry_type,
        "member_id": member_id,
        "amount_minor": amount_minor,
        "weight": weight,
        "method": method,
        "reference": reference,
        "paid_on": paid_on,
        "payee": payee,
        "category": category,
        "description": description,
        "receipt": {"id": receipt_id, "content_type": content_type, "size": size, "sha256": sha}
        if receipt_id else None,
        "reverses": reverses_id,
        "reversed_by": reversed_by,
        "reason": reason,
        "created_by": {"id": created_by_id, "display_name": author},
        "created_at": created_at,
    }


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


def _hide_references(items: list[dict[str, Any]], references: References) -> None:
    # amounts and methods stay: the ledger is open to every participant, the transaction numbers are not
    if references == "all":
        return
    for item in items:
        if item["reference"] and item["member_id"] not in references:
            item["reference"] = ""


def entry_view(session: Session, campaign: Campaign, entry: LedgerEntry, *,
               references: References = ()) -> dict[str, Any]:
    """One ledger entry as plain data, shaped like the items of ledger_view()."""
    rows = _entry_rows(session, campaign, entry.id)
    reversed_by = session.scalar(select(LedgerEntry.id).where(LedgerEntry.chamber_id == campaign.chamber_id,
                                                              LedgerEntry.reverses_id == entry.id))
    item = _entry_dict(rows[0], reversed_by)
    reversed_type = session.scalar(select(LedgerEntry.entry_type).where(
        LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.id == entry.reverses_id)) if entry.reverses_id else None  # noqa: E501
    item["direction"] = rules.entry_direction(item["type"], reversed_type)
    _hide_references([item], references)
    return item


def ledger_view(session: Session, campaign: Campaign, *, page: int | None = None,
                per_page: int = 200, member_id: int | None = None, kinds: frozenset[str] | None = None,
                references: References = ()) -> dict[str, Any]:
    """The ledger as plain data (amounts in minor units), in a constant number of queries (2, or 3 with page).

    {items: [entry dicts], balances: {pledged, paid, spent, refunded, carried, available},
     members: [{member_id, business_name, share_minor, paid_minor, outstanding_minor, refund_minor}]}

    Without page, items are all the entries in id order. With page (1-based, clamped to the pages
    there are), items are that page of per_page entries, newest first, and the view also has count
    (all entries), page, pages, and pages_of: the page of each entry the items point to (reverses,
    reversed_by). Balances and members are always over the whole ledger; member_id and kinds (entry
    types) filter the items only. Each item says which way it moves the money (``direction``).

    Payment references are kept only where `references` allows (see reference_readers), others are "".
    """
    session.flush()
    # ledger: tuples starting (id, entry_type, member_id, amount_minor), with reverses_id at position rev
    if page is None:
        rows = ledger = _entry_rows(session, campaign)
        rev = 12  # see _ENTRY_COLUMNS
    else:
        # only these five columns for the balances; the full rows only for the page shown
        rev = 4
        ledger = session.connection().execute(
            select(LedgerEntry.id, LedgerEntry.entry_type, LedgerEntry.member_id, LedgerEntry.amount_minor,
                   LedgerEntry.reverses_id)
            .where(LedgerEntry.chamber_id == campaign.chamber_id, LedgerEntry.campaign_id == campaign.id)
            .order_by(LedgerEntry.id)
        ).all()
    type_of = {e[0]: e[1] for e in ledger}
    reversed_by = {e[rev]: e[0] for e in ledger if e[rev] is not None}
    b = rules.ledger_balances((e[1], e[2], e[3], type_of.get(e[rev]) if e[rev] else None) for e in ledger)
    extra: dict[str, Any] = {}
    wanted = [e for e in ledger if (member_id is None or e[2] == member_id) and (kinds is None or e[1] in kinds)]
    if page is None:
        ids = {e[0] for e in wanted}
        items = [_entry_dict(r, reversed_by.get(r[0])) for r in rows if r[0] in ids]
    else:
        ledger_all, ledger = ledger, wanted
        count = len(ledger)
        pages = max(1, -(-count // per_page))
        page = min(max(page, 1), pages)
        hi = count - (page - 1) * per_page  # newest first: page 1 holds the last per_page entries
        shown = ledger[max(0, hi - per_page):hi]
        rows = _entry_rows(session, campaign, id_range=(shown[0][0], shown[-1][0])) if shown else []
        if len(rows) != len(shown):  # a filter left out some entries in between
            ids = {e[0] for e in shown}
            rows = [r for r in rows if r[0] in ids]
        items = [_entry_dict(r, reversed_by.get(r[0])) for r in reversed(rows)]
        refs = {ref for i in items for ref in (i["reverses"], i["reversed_by"]) if ref}
        index = {e[0]: n for n, e in enumerate(ledger)} if refs else {}
        extra = {
            "count": count, "page": page, "pages": pages,
            "pages_of": {ref: (count - 1 - index[ref]) // per_page + 1 for ref in refs if ref in index},
        }
        ledger = ledger_all
    for item in items:
        item["direction"] = rules.entry_direction(item["type"], type_of.get(item["reverses"]) if item["reverses"] else None)  # noqa: E501
    _hide_references(items, references)
    entry_members = {e[2] for e in ledger if e[2] is not None}
    names = dict(session.execute(
        select(Member.id, Member.business_name).where(
            Member.chamber_id == campaign.chamber_id,
            or_(
                Member.id.in_(select(Participation.member_id).where(
                    Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id)),
                Member.id.in_(entry_members),
            ),
        )
    ).all())
    cancelled = campaign.status == "cancelled"
    members = [
        {
            "member_id": mid,
            "business_name": name,
            "share_minor": b.member_share.get(mid, 0),
            "paid_minor": b.member_paid.get(mid, 0),
            "outstanding_minor": 0 if cancelled else b.outstanding(mid),
            "refund_minor": b.member_refund.get(mid, 0),
        }
        for mid, name in sorted(names.items(), key=lambda kv: (kv[1], kv[0]))
    ]
    return {
        "items": items,
        "balances": {
            "pledged": b.pledged, "paid": b.paid, "spent": b.spent, "refunded": b.refunded,
            "carried": b.carried, "available": b.available,
        },
        "members": members,
        **extra,
    }


def campaign_summary_dict(session: Session, campaign: Campaign, *, participants: int | None = None) -> dict[str, Any]:
    """The campaign as plain data: settings (money in minor units, aware UTC times), status, counts."""
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    return {
        "id": campaign.id,
        "chamber": chamber.slug,
        "currency": chamber.currency,
        "timezone": chamber.timezone,
        "slug": campaign.slug,
        "title": campaign.title,
        "festival": campaign.festival,
        "description": campaign.description,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "optin_deadline": campaign.optin_deadline,
        "opens_at": campaign.opens_at,
        "budget_minor": campaign.budget_minor,
        "method": campaign.method,
        "min_share_minor": campaign.min_share_minor,
        "max_share_pct": campaign.max_share_pct,
        "min_participants": campaign.min_participants,
        "min_pooled_minor": campaign.min_pooled_minor,
        "status": campaign.status,
        "cancel_reason": campaign.cancel_reason,
        "settlement_mode": campaign.settlement_mode,
        "participant_count": participant_count(session, campaign) if participants is None else participants,
        "locked_at": campaign.locked_at,
        "settled_at": campaign.settled_at,
        "cancelled_at": campaign.cancelled_at,
    }


# --------------------------------------------------------------------------- fund and notices


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


def notices_for(session: Session, chamber: Chamber, member_ids: list[int]) -> list[tuple[CampaignNotice, Campaign]]:
    """Campaign notices for these members (e.g. why a campaign was cancelled), newest first."""
    if not member_ids:
        return []
    return [
        (n, c) for n, c in session.execute(
            select(CampaignNotice, Campaign)
            .join(Campaign, and_(Campaign.id == CampaignNotice.campaign_id,
                                 Campaign.chamber_id == CampaignNotice.chamber_id))
            .where(CampaignNotice.chamber_id == chamber.id, CampaignNotice.member_id.in_(member_ids))
            .order_by(CampaignNotice.created_at.desc(), CampaignNotice.id.desc())
        )
    ]

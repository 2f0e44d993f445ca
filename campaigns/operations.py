"""Campaign operations: create/edit, status moves, opt-in, shares, the ledger, settlement.

Verb-first, session first, may flush(), never commit().  Operations that change totals (opt-in,
withdrawal, payments, expenses, reversals, transitions, settlement) first lock the campaign row
(``SELECT … FOR UPDATE``; SQLite serialises writers with BEGIN IMMEDIATE anyway), and read
whatever they check *after* taking the lock, so concurrent requests cannot both spend the same
money or miscount participants.

Read queries are in queries.py, the resources as plain data in presenters.py.

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
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from chamber.db import utcnow
from chamber.errors import Conflict, Invalid, rule_message
from chamber.images import image_type
from chamber.models import Chamber, Member, User
from chamber.rules import display_money, megabytes
from chamber.slugs import slugify, unique_slug

from . import notify as tell
from . import rules
from .errors import OfferImageTooLarge, QrTooLarge, ReceiptTooLarge, campaign_rule_message, status_name
from .models import (
    MAX_OFFER_IMAGE,
    MAX_PARTICIPANTS,
    MAX_QR,
    OFFER_IMAGE_TYPES,
    QR_TYPES,
    Campaign,
    CollectionDetails,
    KeptOffer,
    LedgerEntry,
    OfferImage,
    Participation,
    Receipt,
    RefundPayout,
)
from .queries import (
    apportion_shares,
    balances,
    currency_of,
    get_participation,
    kept_offer,
    offer_image,
    participant_count,
    weight_rows,
)
from .rules import RuleError

CAMPAIGN_FIELDS = (
    "slug", "title", "festival", "description", "starts_at", "ends_at", "optin_deadline", "opens_at", "budget_minor",
    "method", "min_share_minor", "max_share_pct", "min_participants", "min_pooled_minor",
)


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
    if not fields["slug"]:  # made from the title (pinyin), or from the start date if nothing is left of it
        taken = set(session.scalars(select(Campaign.slug).where(Campaign.chamber_id == chamber.id)))
        fields["slug"] = unique_slug(slugify(fields["title"] or ""), taken,
                                     fallback=f"campaign-{fields['starts_at']:%Y%m%d}")
    elif session.scalar(select(Campaign.id).where(Campaign.chamber_id == chamber.id, Campaign.slug == fields["slug"])):
        raise Conflict(_("This chamber already has a campaign at this web address; choose another slug."), field="slug")
    campaign = Campaign(chamber_id=chamber.id, created_by_id=by.id, status="draft", **fields)
    session.add(campaign)
    session.flush()
    return campaign


def update_campaign(session: Session, campaign: Campaign, **fields: Any) -> Campaign:
    """Replace a draft or open campaign's settings; the rule is checked for the current participants."""
    campaign = _lock(session, campaign)
    if campaign.status not in rules.SHARES_PREVIEW:
        raise Conflict(_("Only a draft or open campaign can be edited; this one is %(status)s.",
                         status=status_name(campaign.status)))
    fields = {k: fields.get(k) for k in CAMPAIGN_FIELDS}
    fields["description"] = fields["description"] or ""
    _check_times(fields)
    _check_threshold_fields(fields)
    _check_campaign_rule(currency_of(session, campaign), fields, participant_count(session, campaign))
    fields["slug"] = fields["slug"] or campaign.slug  # left empty: the web address stays
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
        tell.opened(session, campaign)
    elif to == "locked":
        _lock_shares(session, campaign, by, now, automatic=False)
    elif to in rules.EARLY_MOVES:
        for name, value in rules.early_move_times(
            to, now, opens_at=campaign.opens_at, optin_deadline=campaign.optin_deadline,
            starts_at=campaign.starts_at, ends_at=campaign.ends_at,
        ).items():
            setattr(campaign, name, value)
        campaign.status = to
    elif to == "settled":
        mode = mode or rules.DEFAULT_SETTLEMENT_MODE  # back to the members in proportion to what they paid
        if mode not in rules.SETTLEMENT_MODES:
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


def _lock_shares(session: Session, campaign: Campaign, by: User | None, now: dt.datetime, *, automatic: bool) -> None:
    """Freeze shares as pledges, or (automatic, at the deadline) cancel if the campaign cannot go ahead."""
    currency = currency_of(session, campaign)
    rows = weight_rows(session, campaign)
    try:
        rules.check_threshold(
            campaign.budget_minor, len(rows), min_participants=campaign.min_participants,
            min_pooled=campaign.min_pooled_minor, max_share_pct=campaign.max_share_pct,
        )
        shares = apportion_shares(campaign, rows)
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
    session.flush()
    tell.locked(session, campaign)


def _pay_out(session: Session, campaign: Campaign, mode: str, created_by: int, now: dt.datetime) -> None:
    """Refund the unspent remainder in proportion to payments, or carry it to the chamber's fund."""
    refunds, carried = rules.payout_plan(balances(session, campaign), mode)
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
    session.flush()
    tell.settled(session, campaign, mode)


def _cancel(session: Session, campaign: Campaign, by: User | None, reason: str, now: dt.datetime) -> None:
    """Cancel: nobody owes anything more, paid money still unspent is refunded pro rata, participants are told."""
    _pay_out(session, campaign, "refund", by.id if by is not None else campaign.created_by_id, now)
    campaign.status = "cancelled"
    campaign.cancel_reason = reason
    campaign.cancelled_at = now
    tell.cancelled(session, campaign, reason)


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
            if target == "open":
                tell.opened(session, campaign)
        campaign.updated_at = now
        moved.append(campaign.status)
        if campaign.cancelled:
            break
    session.flush()
    return moved


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
                             reason=campaign_rule_message(err, currency_of(session, campaign)))) from None


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


# --------------------------------------------------------------------------- shares


# --------------------------------------------------------------------------- ledger


def _check_ledger_open(campaign: Campaign) -> None:
    if campaign.status not in rules.LEDGER_OPEN:
        if campaign.status in rules.SHARES_PREVIEW:
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
    owed = balances(session, campaign).outstanding(member_id)
    if amount_minor > owed:
        currency = currency_of(session, campaign)
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
    available = balances(session, campaign).available
    if amount_minor > available:
        currency = currency_of(session, campaign)
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
    if entry.entry_type not in rules.REVERSIBLE:
        raise Conflict(_("Only payments and expenses can be reversed."))
    if session.scalar(select(LedgerEntry.id).where(LedgerEntry.chamber_id == campaign.chamber_id,
                                                   LedgerEntry.reverses_id == entry.id)):
        raise Conflict(_("Entry %(id)s has already been reversed.", id=entry.id))
    if entry.entry_type == "payment":
        available = balances(session, campaign).available
        if entry.amount_minor > available:
            currency = currency_of(session, campaign)
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


# --------------------------------------------------------------------------- fund and notices




# --------------------------------------------------------------------------- owing and being owed


def write_off(
    session: Session, campaign: Campaign, by: User, *, member_id: int, reason: str, amount_minor: int | None = None,
    now: dt.datetime | None = None,
) -> LedgerEntry:
    """Give up collecting what a member still owes (all of it, or ``amount_minor`` of it), with a reason.

    A ledger entry like any other (``write_off``); it moves no money, it only lowers what the member owes.
    While the ledger is open (locked, live, ended); a debt not written off stays outstanding on the report.
    """
    campaign = _lock(session, campaign)
    _check_ledger_open(campaign)
    if not reason.strip():
        raise Invalid(_("Say why the amount is written off."), field="reason")
    owed = balances(session, campaign).outstanding(member_id)
    if owed <= 0:
        raise Conflict(_("This member owes nothing."), field="member_id")
    amount = owed if amount_minor is None else amount_minor
    if amount <= 0:
        raise Invalid(_("The amount must be more than zero."), field="amount")
    if amount > owed:
        currency = currency_of(session, campaign)
        raise Conflict(_("%(amount)s is more than this member still owes (%(owed)s).",
                         amount=display_money(amount, currency), owed=display_money(owed, currency)), field="amount")
    entry = LedgerEntry(
        chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type="write_off", member_id=member_id,
        amount_minor=amount, reason=reason.strip(), created_by_id=by.id, created_at=now or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def record_refund_payout(
    session: Session, campaign: Campaign, refund: LedgerEntry, by: User, *, method: str, reference: str = "",
    paid_on: dt.date, now: dt.datetime | None = None,
) -> RefundPayout:
    """Record that a refund's money was actually paid back to the member (once per refund)."""
    campaign = _lock(session, campaign)
    if refund.chamber_id != campaign.chamber_id or refund.campaign_id != campaign.id or refund.entry_type != "refund":
        raise Invalid(_("There is no such refund."), field="entry")
    if session.scalar(select(RefundPayout.id).where(RefundPayout.chamber_id == campaign.chamber_id,
                                                    RefundPayout.refund_id == refund.id)):
        raise Conflict(_("This refund is already marked as paid out."))
    payout = RefundPayout(
        chamber_id=campaign.chamber_id, campaign_id=campaign.id, refund_id=refund.id, method=method,
        reference=reference or "", paid_on=paid_on, created_by_id=by.id, created_at=now or utcnow(),
    )
    session.add(payout)
    session.flush()
    return payout


def set_offer_image(
    session: Session, campaign: Campaign, member: Member, data: bytes | None, *, now: dt.datetime | None = None
) -> OfferImage | None:
    """Put a picture on the member's offer card (JPEG, PNG or WebP by content, at most MAX_OFFER_IMAGE), or take it
    off (None)."""
    campaign = _lock(session, campaign)
    # the picture is part of the offer: it changes when the offer text may (open, before the deadline)
    if campaign.status != "open" or (now or utcnow()) >= campaign.optin_deadline:
        raise Conflict(_("The offers of this campaign no longer change; it is %(status)s.",
                         status=status_name(campaign.status)))
    participation = get_participation(session, campaign, member)
    if participation is None:
        raise Conflict(_("Take part in the campaign first; then your offer can have a picture."))
    current = offer_image(session, campaign, member.id)
    if data is None:
        if current is not None:
            session.delete(current)
            session.flush()
        return None
    if len(data) > MAX_OFFER_IMAGE:
        raise OfferImageTooLarge(_("The picture is too large: at most %(size)s.", size=megabytes(MAX_OFFER_IMAGE)),
                                 field="offer_image")
    kind = image_type(data, OFFER_IMAGE_TYPES)
    if kind is None:
        raise Invalid(_("The picture must be a JPEG, PNG or WebP image."), field="offer_image")
    if current is None:
        current = OfferImage(chamber_id=campaign.chamber_id, campaign_id=campaign.id, member_id=member.id)
        session.add(current)
    current.content_type, current.data, current.updated_at = kind, data, now or utcnow()
    session.flush()
    return current


def check_qr_image(data: bytes) -> str:
    """The content type of a collection QR image, judged by decoding it (PNG or JPEG, at most MAX_QR)."""
    if len(data) > MAX_QR:
        raise QrTooLarge(_("The image is too large: at most %(size)s.", size=megabytes(MAX_QR)), field="qr")
    kind = image_type(data, QR_TYPES)
    if kind is None:
        raise Invalid(_("The QR code must be a PNG or JPEG image (a screenshot of the collection code)."), field="qr")
    return kind


def set_collection_details(
    session: Session, chamber: Chamber, by: User, *, account: str, qr: bytes | None = None,
    qr_kind: str | None = None, remove_qr: bool = False, now: dt.datetime | None = None,
) -> CollectionDetails:
    """Keep how members pay the chamber: the account text, and a new QR image (or none, ``remove_qr``)."""
    content_type = check_qr_image(qr) if qr is not None else None
    details = session.scalar(select(CollectionDetails).where(CollectionDetails.chamber_id == chamber.id))
    if details is None:
        details = CollectionDetails(chamber_id=chamber.id, account="", updated_by_id=by.id)
        session.add(details)
    details.account = account or ""
    if qr is not None:
        if qr_kind not in rules.QR_KINDS:
            raise Invalid(_("Choose what the QR code is for."), field="qr_kind")
        details.qr_data, details.qr_content_type, details.qr_kind = qr, content_type, qr_kind
        details.qr_sha256 = hashlib.sha256(qr).hexdigest()
    elif remove_qr:
        details.qr_data = details.qr_content_type = details.qr_kind = details.qr_sha256 = None
    elif qr_kind in rules.QR_KINDS and details.qr_data is not None:
        details.qr_kind = qr_kind
    details.updated_by_id = by.id
    details.updated_at = now or utcnow()
    session.flush()
    return details

"""Commands of the pricing alliance: verb-first, session first, may flush(), never commit.

Read queries are in queries.py, presenters (plain data) in presenters.py, the errors and their
words in errors.py, the decisions themselves in rules.py.

Voting and closing take the proposal's row lock (``SELECT … FOR UPDATE``, populate_existing)
and read the status and the votes only after it, so a vote racing the close is either counted
or refused with a Conflict (409), never lost; the unique (proposal, member) key refuses a
second vote row if two requests of one member slip past each other.

The joint purchase's amounts due are kept on their own append-only account
(``joint_purchase_entries``), shown beside the campaign's ledger, not on it: the campaign's
ledger balances (pledged = paid + outstanding, paid = spent + refunded + carried) are about the
promotion budget, and goods money on it would break them. Campaigns need not know this package.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign
from chamber.db import utcnow
from chamber.errors import Conflict, Invalid
from chamber.models import Chamber, Member, User
from chamber.notifications.operations import event_source, notify
from chamber.rules import display_money

from . import queries, rules
from .errors import alliance_rule_message, not_participant, rule_invalid
from .models import (
    MAX_QUANTITY,
    AllianceSettings,
    Demand,
    JointPurchaseEntry,
    PriceListing,
    PriceProposal,
    PriceVote,
    Product,
    SupplierPrice,
    VolumeTier,
)
from .rules import RuleError


def _currency(session: Session, chamber_id: int) -> str:
    return session.get(Chamber, chamber_id).currency  # type: ignore[union-attr]


def _check_active(campaign: Campaign) -> None:
    if campaign.status not in rules.ACTIVE_CAMPAIGN_STATUSES:
        raise Conflict(_("Prices are agreed only while the campaign is open, locked or live."))


# --------------------------------------------------------------------------- settings


def update_settings(session: Session, chamber: Chamber, *, weighting: str, quorum: Fraction, threshold: Fraction,
                    lookback_days: int, max_markup_pct: Decimal | None) -> AllianceSettings:
    """Set how the chamber agrees prices; open proposals keep the rule they were made under."""
    try:
        rules.check_shares(quorum, threshold)
    except RuleError as err:
        raise Invalid(alliance_rule_message(err, chamber.currency),
                      field="quorum" if err.code == "bad_quorum" else "threshold") from None
    if weighting not in rules.WEIGHTINGS:
        raise Invalid(_("Choose one member one vote or tier weight."), field="weighting")
    if not 1 <= lookback_days <= rules.MAX_LOOKBACK_DAYS:
        raise Invalid(_("Give a number of days from 1 to 90."), field="lookback_days")
    if quorum.denominator > 10**6 or threshold.denominator > 10**6:
        raise Invalid(_("Give a percentage such as 50 or a fraction such as 2/3."), field="threshold")
    row = session.get(AllianceSettings, chamber.id)
    if row is None:
        row = AllianceSettings(chamber_id=chamber.id)
        session.add(row)
    row.weighting = weighting
    row.quorum_num, row.quorum_den = quorum.numerator, quorum.denominator
    row.threshold_num, row.threshold_den = threshold.numerator, threshold.denominator
    row.lookback_days = lookback_days
    row.max_markup_pct = max_markup_pct
    row.updated_at = utcnow()
    session.flush()
    return row


# --------------------------------------------------------------------------- catalogue


def create_product(session: Session, chamber: Chamber, *, name: str, unit: str, category: str = "",
                   reference_price_minor: int | None = None, image: tuple[str, bytes] | None = None) -> Product:
    """Add a product to the chamber's catalogue (name + unit unique)."""
    if reference_price_minor is not None and reference_price_minor <= 0:
        raise Invalid(_("The price must be more than zero."), field="reference_price")
    if session.scalar(select(Product.id).where(Product.chamber_id == chamber.id, Product.name == name,
                                               Product.unit == unit)):
        raise Conflict(_("The catalogue already has %(name)s %(unit)s.", name=name, unit=unit), field="name")
    product = Product(chamber_id=chamber.id, name=name, unit=unit, category=category or "",
                      reference_price_minor=reference_price_minor)
    if image is not None:
        product.image_type, product.image_data = image
    session.add(product)
    session.flush()
    return product


# --------------------------------------------------------------------------- supplier prices


def set_supplier_price(session: Session, campaign: Campaign, product: Product, *, unit_price_minor: int,
                       tiers: list[tuple[int, int]], supplier: str = "", delivery_notes: str = "") -> SupplierPrice:
    """Record (or replace) the supplier's negotiated unit price and volume tiers for a product."""
    currency = _currency(session, campaign.chamber_id)
    try:
        rules.check_tiers(unit_price_minor, tiers)
    except RuleError as err:
        raise rule_invalid(err, currency) from None
    row = queries.supplier_price(session, campaign, product.id)
    if row is None:
        row = SupplierPrice(chamber_id=campaign.chamber_id, campaign_id=campaign.id, product_id=product.id)
        session.add(row)
    row.unit_price_minor = unit_price_minor
    row.supplier = supplier or ""
    row.delivery_notes = delivery_notes or ""
    row.updated_at = utcnow()
    session.flush()
    for old in session.scalars(select(VolumeTier).where(VolumeTier.chamber_id == campaign.chamber_id,
                                                        VolumeTier.supplier_price_id == row.id)):
        session.delete(old)
    session.flush()
    for min_quantity, unit in tiers:
        session.add(VolumeTier(chamber_id=campaign.chamber_id, supplier_price_id=row.id, min_quantity=min_quantity,
                               unit_price_minor=unit))
    session.flush()
    return row


# --------------------------------------------------------------------------- listed prices


def list_price(session: Session, campaign: Campaign, member: Member, product: Product, *, price_minor: int,
               original_price_minor: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """List a participant's price (appended to the history) after checking an honest original price.

    Returns {listing, compliant, problems} against the adopted band and the mark-up cap.
    """
    now = now or utcnow()
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    _check_active(campaign)
    if not queries.takes_part(session, campaign, member.id):
        raise not_participant()
    settings = queries.get_settings(session, chamber)
    # one member's listings of one product are checked and appended one at a time
    session.execute(select(Member.id).where(Member.chamber_id == member.chamber_id, Member.id == member.id)
                    .with_for_update())
    history = queries.price_history(session, chamber.id, member.id, product.id)
    try:
        rules.check_original_price(price_minor, original_price_minor, history, now,
                                   dt.timedelta(days=settings.lookback_days))
    except RuleError as err:
        raise rule_invalid(err, chamber.currency) from None
    listing = PriceListing(chamber_id=chamber.id, campaign_id=campaign.id, member_id=member.id,
                           product_id=product.id, price_minor=price_minor,
                           original_price_minor=original_price_minor, listed_at=now)
    session.add(listing)
    session.flush()
    problems = queries.price_problems(session, campaign, settings, product.id, price_minor)
    return {"listing": listing, "compliant": not problems, "problems": problems}


# --------------------------------------------------------------------------- proposals


def propose_price(session: Session, campaign: Campaign, by: User, product: Product, *, price_minor: int,
                  floor_minor: int | None, ceiling_minor: int | None, closes_at: dt.datetime,
                  now: dt.datetime | None = None) -> PriceProposal:
    """Propose an alliance price (and optional band) for a product, voted on until closes_at."""
    now = now or utcnow()
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    try:
        rules.check_proposal(price_minor, floor_minor, ceiling_minor, closes_at, now)
    except RuleError as err:
        raise rule_invalid(err, chamber.currency) from None
    _check_active(campaign)
    settings = queries.get_settings(session, chamber)
    negotiated = queries.negotiated_unit_prices(session, campaign).get(product.id)
    markup = queries.max_markup(settings)
    try:
        rules.check_markup(price_minor, negotiated, markup)
        if ceiling_minor is not None:
            rules.check_markup(ceiling_minor, negotiated, markup, field="ceiling")
    except RuleError as err:
        raise rule_invalid(err, chamber.currency) from None
    proposal = PriceProposal(
        chamber_id=chamber.id, campaign_id=campaign.id, product_id=product.id, price_minor=price_minor,
        floor_minor=floor_minor, ceiling_minor=ceiling_minor, closes_at=closes_at, status="open",
        weighting=settings.weighting, quorum_num=settings.quorum_num, quorum_den=settings.quorum_den,
        threshold_num=settings.threshold_num, threshold_den=settings.threshold_den, proposed_by_id=by.id,
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    return proposal


def _lock_proposal(session: Session, proposal: PriceProposal) -> PriceProposal:
    """Take the proposal's row lock and refresh it with what is committed now."""
    return session.scalars(
        select(PriceProposal).where(PriceProposal.chamber_id == proposal.chamber_id, PriceProposal.id == proposal.id)
        .with_for_update().execution_options(populate_existing=True)
    ).one()


def cast_vote(session: Session, proposal: PriceProposal, member: Member, choice: str,
              now: dt.datetime | None = None) -> PriceVote:
    """Record (or change) a participant's vote while the proposal is open; Conflict once it has closed."""
    now = now or utcnow()
    if choice not in rules.CHOICES:
        raise Invalid(_("Vote approve, reject or abstain."), field="choice")
    proposal = _lock_proposal(session, proposal)
    campaign = session.get(Campaign, proposal.campaign_id)
    assert campaign is not None
    if not queries.takes_part(session, campaign, member.id):
        raise not_participant()
    if proposal.status != "open" or now >= proposal.closes_at:
        raise Conflict(_("Voting on this proposal has closed."))
    vote = session.scalar(select(PriceVote).where(PriceVote.chamber_id == proposal.chamber_id,
                                                  PriceVote.proposal_id == proposal.id,
                                                  PriceVote.member_id == member.id))
    if vote is None:
        vote = PriceVote(chamber_id=proposal.chamber_id, proposal_id=proposal.id, member_id=member.id,
                         choice=choice, cast_at=now, updated_at=now)
        session.add(vote)
    else:
        vote.choice = choice
        vote.updated_at = now
    session.flush()
    return vote


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001"))


def close_proposal(session: Session, proposal: PriceProposal, by: User | None = None,
                   now: dt.datetime | None = None) -> PriceProposal:
    """Close a proposal: by the clock at its closing time, or by an organizer earlier once every participant voted.

    Its status becomes adopted, rejected or no_quorum, the tally is frozen, and every participant is told.
    """
    now = now or utcnow()
    proposal = _lock_proposal(session, proposal)
    if proposal.status != "open":
        raise Conflict(_("This proposal is already closed."))
    tally = queries.tally_proposal(session, proposal)
    if now < proposal.closes_at:
        campaign = session.get(Campaign, proposal.campaign_id)
        assert campaign is not None
        voted = queries.voters_of(session, proposal)
        if by is None or not rules.can_close_early(queries.participant_weights(session, campaign), voted):
            raise Conflict(_("Before its closing time a proposal can be closed only once every participant has voted "
                             "(%(voters)s of %(eligible)s have).", voters=tally.voters, eligible=tally.eligible))
    proposal.status = tally.outcome
    proposal.closed_at = now
    proposal.eligible, proposal.voters = tally.eligible, tally.voters
    proposal.eligible_weight = _decimal(tally.eligible_weight)
    proposal.approve_weight = _decimal(tally.approve_weight)
    proposal.reject_weight = _decimal(tally.reject_weight)
    proposal.abstain_weight = _decimal(tally.abstain_weight)
    session.flush()
    _tell_result(session, proposal, now)
    return proposal


def remind_non_voters(session: Session, proposal: PriceProposal, now: dt.datetime | None = None) -> int:
    """Remind the participants who have not voted, once, within 24 hours of the closing; how many were told."""
    now = now or utcnow()
    proposal = _lock_proposal(session, proposal)
    if proposal.status != "open" or proposal.reminded_at is not None or not rules.reminder_due(proposal.closes_at, now):
        return 0
    campaign = session.get(Campaign, proposal.campaign_id)
    assert campaign is not None
    voted = queries.voters_of(session, proposal)
    waiting = sorted(set(queries.participant_weights(session, campaign)) - voted)
    product = session.get(Product, proposal.product_id)
    assert product is not None
    currency = _currency(session, proposal.chamber_id)
    facts = {"price": display_money(proposal.price_minor, currency), "product": f"{product.name} {product.unit}",
             "campaign": campaign.title}
    notify_members(session, proposal, waiting, "vote_reminder", facts, now)
    proposal.reminded_at = now
    session.flush()
    return len(waiting)


def _tell_result(session: Session, proposal: PriceProposal, now: dt.datetime) -> None:
    campaign = session.get(Campaign, proposal.campaign_id)
    product = session.get(Product, proposal.product_id)
    assert campaign is not None and product is not None
    currency = _currency(session, proposal.chamber_id)
    facts = {"status": proposal.status, "price": display_money(proposal.price_minor, currency),
             "product": f"{product.name} {product.unit}", "campaign": campaign.title}
    notify_members(session, proposal, sorted(queries.participant_weights(session, campaign)), "proposal_result",
                   facts, now)


def notify_members(session: Session, proposal: PriceProposal, member_ids: list[int], kind: str,
                   facts: dict[str, str], now: dt.datetime) -> None:
    """The one place the alliance tells members something: through the core's delivery service (the inbox,
    which the dashboard's notices read, and email; each person's choice; once per kind and proposal).
    The facts are words-free (amounts, names, the status): the kind's template says them in each
    recipient's language."""
    if not member_ids:
        return
    chamber = session.get(Chamber, proposal.chamber_id)
    assert chamber is not None
    users = sorted(set(session.scalars(select(Member.user_id).where(Member.chamber_id == proposal.chamber_id,
                                                                    Member.id.in_(member_ids)))))
    notify(session, chamber_id=chamber.id, kind=f"pricing_alliance.{kind}",
           source=event_source(f"pricing_alliance.{kind}", proposal.id), recipients=users,
           context={**facts, "chamber": chamber},
           link=f"/chambers/{chamber.slug}/alliance/proposals/{proposal.id}")
    session.flush()


# --------------------------------------------------------------------------- joint purchasing


def set_demand(session: Session, campaign: Campaign, member: Member, product: Product, quantity: int,
               now: dt.datetime | None = None) -> Demand:
    """State how many of a product a participant will buy through the joint purchase."""
    _check_active(campaign)
    if not queries.takes_part(session, campaign, member.id):
        raise not_participant()
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise Invalid(_("The quantity must be a whole number above zero."), field="quantity")
    row = session.scalar(select(Demand).where(Demand.chamber_id == campaign.chamber_id,
                                              Demand.campaign_id == campaign.id, Demand.member_id == member.id,
                                              Demand.product_id == product.id))
    if row is None:
        row = Demand(chamber_id=campaign.chamber_id, campaign_id=campaign.id, member_id=member.id,
                     product_id=product.id, quantity=quantity, updated_at=now or utcnow())
        session.add(row)
    else:
        row.quantity = quantity
        row.updated_at = now or utcnow()
    session.flush()
    return row


def remove_demand(session: Session, campaign: Campaign, member: Member, product: Product) -> None:
    """Withdraw a participant's demand for a product."""
    _check_active(campaign)
    row = session.scalar(select(Demand).where(Demand.chamber_id == campaign.chamber_id,
                                              Demand.campaign_id == campaign.id, Demand.member_id == member.id,
                                              Demand.product_id == product.id))
    if row is not None:
        session.delete(row)
        session.flush()


def record_dues(session: Session, campaign: Campaign, by: User, now: dt.datetime | None = None) -> int:
    """Bring the joint-purchase account up to the current allocation: append a due (or a credit) for each
    (member, product) whose amount changed (rules.dues_to_record). Returns how many entries were written."""
    now = now or utcnow()
    session.execute(select(Campaign.id).where(Campaign.chamber_id == campaign.chamber_id, Campaign.id == campaign.id)
                    .with_for_update())
    lines = queries.joint_purchase(session, campaign).lines
    if any(line.unit_price is None and line.total_quantity for line in lines.values()):
        raise Conflict(_("Record the supplier's price of every product with demand first."))
    entries = rules.dues_to_record(lines, queries.recorded_dues(session, campaign, by_product=True))
    for e in entries:
        session.add(JointPurchaseEntry(
            chamber_id=campaign.chamber_id, campaign_id=campaign.id, member_id=e.member, product_id=e.product,
            kind=e.kind, quantity=e.quantity, unit_price_minor=e.unit_price, amount_minor=e.amount,
            created_by_id=by.id, created_at=now))
    session.flush()
    return len(entries)

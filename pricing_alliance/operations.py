"""Commands and queries of the pricing alliance: verb-first, session first, may flush(), never commit.

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
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Participation
from campaigns.queries import acting_business
from chamber.db import utcnow
from chamber.errors import Conflict, Invalid
from chamber.models import Chamber, Member, Tier, User
from chamber.notifications.models import InboxMessage
from chamber.notifications.operations import event_source, inbox, notify
from chamber.rules import display_money

from . import rules
from .models import (
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

#: RuleError parameters that are amounts in minor units
MONEY_PARAMS = frozenset({"price", "cap", "supplier", "found"})


class NotParticipant(Invalid):
    """The caller's business does not take part in the campaign (404: nothing to see)."""

    status = 404


def alliance_rule_message(err: RuleError, currency: str) -> str:
    """Translate a pricing_alliance.rules RuleError, amounts as money, shares as percentages."""
    params: dict[str, Any] = {}
    for key, value in err.params.items():
        if key == "field":
            continue
        if key in MONEY_PARAMS and isinstance(value, int):
            value = display_money(value, currency)
        elif isinstance(value, Fraction):
            value = rules.format_share(value)
        params[key] = value
    return _(err.message) % params if params else _(err.message)


def _invalid(err: RuleError, currency: str) -> Invalid:
    return Invalid(alliance_rule_message(err, currency), field=str(err.params.get("field") or "") or None)


def _currency(session: Session, chamber_id: int) -> str:
    return session.get(Chamber, chamber_id).currency  # type: ignore[union-attr]


# --------------------------------------------------------------------------- settings


def get_settings(session: Session, chamber: Chamber) -> AllianceSettings:
    """The chamber's alliance settings (an unsaved row with the defaults if it has none)."""
    row = session.get(AllianceSettings, chamber.id)
    if row is None:
        row = AllianceSettings(chamber_id=chamber.id, weighting="member", quorum_num=1, quorum_den=2,
                               threshold_num=2, threshold_den=3, lookback_days=rules.DEFAULT_LOOKBACK_DAYS,
                               max_markup_pct=None)
    return row


def max_markup(settings: AllianceSettings) -> Fraction | None:
    """The maximum mark-up as an exact fraction (0.4 for 40 %), or None for no cap."""
    return None if settings.max_markup_pct is None else Fraction(settings.max_markup_pct) / 100


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


def list_products(session: Session, chamber: Chamber) -> list[Product]:
    """The chamber's catalogue by category and name."""
    return list(session.scalars(select(Product).where(Product.chamber_id == chamber.id)
                                .order_by(Product.category, Product.name, Product.id)))


def get_product(session: Session, chamber_id: int, product_id: Any) -> Product | None:
    """One of the chamber's products, or None (also for ids that are not numbers)."""
    try:
        pid = int(product_id)
    except (TypeError, ValueError):
        return None
    if not 1 <= pid <= 2**31 - 1:
        return None
    return session.scalar(select(Product).where(Product.chamber_id == chamber_id, Product.id == pid))


def product_image(session: Session, chamber: Chamber, product_id: int) -> tuple[str, bytes] | None:
    """A product's image (content type, bytes), or None."""
    row = session.execute(select(Product.image_type, Product.image_data).where(
        Product.chamber_id == chamber.id, Product.id == product_id, Product.image_type.is_not(None))).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


# --------------------------------------------------------------------------- participants


def participant_business(session: Session, campaign: Campaign, user: User, member_id: Any = None) -> Member:
    """The user's business taking part in the campaign (chosen by member_id if several).

    A user with no approved business here is refused as in campaigns (403: e.g. an organizer who is
    not a merchant); a business that does not take part gets NotParticipant (404).
    """
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    member = acting_business(session, chamber, user, member_id)
    if not _takes_part(session, campaign, member.id):
        raise NotParticipant(_("Only the campaign's participants can do this."))
    return member


def participant_businesses(session: Session, campaign: Campaign, user: User) -> list[Member]:
    """The user's approved businesses that take part in the campaign."""
    return list(session.scalars(
        select(Member).join(Participation, and_(Participation.member_id == Member.id,
                                                Participation.chamber_id == Member.chamber_id))
        .where(Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id,
               Member.user_id == user.id, Member.status == "approved")
        .order_by(Member.id)
    ))


def _takes_part(session: Session, campaign: Campaign, member_id: int) -> bool:
    return session.scalar(select(Participation.id).where(
        Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id,
        Participation.member_id == member_id)) is not None


def participant_weights(session: Session, campaign: Campaign) -> dict[int, Decimal]:
    """Each participant's tier weight (one query)."""
    return dict(session.execute(
        select(Participation.member_id, Tier.weight)
        .join(Member, and_(Member.id == Participation.member_id, Member.chamber_id == Participation.chamber_id))
        .join(Tier, and_(Tier.id == Member.tier_id, Tier.chamber_id == Member.chamber_id))
        .where(Participation.chamber_id == campaign.chamber_id, Participation.campaign_id == campaign.id)
    ).all())


def _check_active(campaign: Campaign) -> None:
    if campaign.status not in rules.ACTIVE_CAMPAIGN_STATUSES:
        raise Conflict(_("Prices are agreed only while the campaign is open, locked or live."))


# --------------------------------------------------------------------------- supplier prices and the cap


def supplier_price(session: Session, campaign: Campaign, product_id: int) -> SupplierPrice | None:
    """The negotiated supplier price of a product for the campaign, or None."""
    return session.scalar(select(SupplierPrice).where(
        SupplierPrice.chamber_id == campaign.chamber_id, SupplierPrice.campaign_id == campaign.id,
        SupplierPrice.product_id == product_id))


def set_supplier_price(session: Session, campaign: Campaign, product: Product, *, unit_price_minor: int,
                       tiers: list[tuple[int, int]], supplier: str = "", delivery_notes: str = "") -> SupplierPrice:
    """Record (or replace) the supplier's negotiated unit price and volume tiers for a product."""
    currency = _currency(session, campaign.chamber_id)
    try:
        rules.check_tiers(unit_price_minor, tiers)
    except RuleError as err:
        raise _invalid(err, currency) from None
    row = supplier_price(session, campaign, product.id)
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


def negotiated_unit_prices(session: Session, campaign: Campaign) -> dict[int, int]:
    """product → what the chamber pays the supplier per unit: the volume tier the participants' stated total
    demand reaches, else the base price (only products with a supplier price). Three queries at most."""
    cid = campaign.chamber_id
    rows = session.execute(select(SupplierPrice.id, SupplierPrice.product_id, SupplierPrice.unit_price_minor).where(
        SupplierPrice.chamber_id == cid, SupplierPrice.campaign_id == campaign.id)).all()
    if not rows:
        return {}
    suppliers = {sp_id: pid for sp_id, pid, _unit in rows}
    base = {pid: unit for _sp_id, pid, unit in rows}
    tiers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for sp_id, q, u in session.execute(select(VolumeTier.supplier_price_id, VolumeTier.min_quantity,
                                              VolumeTier.unit_price_minor).where(
            VolumeTier.chamber_id == cid, VolumeTier.supplier_price_id.in_(list(suppliers)))):
        tiers[suppliers[sp_id]].append((q, u))
    totals = dict(session.execute(select(Demand.product_id, func.sum(Demand.quantity)).where(
        Demand.chamber_id == cid, Demand.campaign_id == campaign.id).group_by(Demand.product_id)).all())
    return {pid: rules.volume_unit_price(unit, tiers.get(pid, []), int(totals.get(pid) or 0))
            for pid, unit in base.items()}


def _caps(session: Session, campaign: Campaign, settings: AllianceSettings) -> dict[int, int]:
    """product → the highest price the mark-up cap allows over the negotiated unit price (products with a
    supplier price): the chamber's mark-up limit is over what the chamber actually pays."""
    markup = max_markup(settings)
    if markup is None:
        return {}
    return {pid: rules.markup_cap(unit, markup) for pid, unit in negotiated_unit_prices(session, campaign).items()}


# --------------------------------------------------------------------------- alliance prices


def current_alliance_prices(session: Session, campaign: Campaign) -> dict[int, PriceProposal]:
    """product → the adopted proposal in force (the latest adopted one supersedes earlier ones)."""
    out: dict[int, PriceProposal] = {}
    for p in session.scalars(select(PriceProposal).where(
            PriceProposal.chamber_id == campaign.chamber_id, PriceProposal.campaign_id == campaign.id,
            PriceProposal.status == "adopted").order_by(PriceProposal.closed_at, PriceProposal.id)):
        out[p.product_id] = p
    return out


def alliance_price_items(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's alliance prices as plain data, for everyone: product, price, band. No supplier data."""
    prices = current_alliance_prices(session, campaign)
    names = {p.id: p for p in session.scalars(select(Product).where(
        Product.chamber_id == campaign.chamber_id, Product.id.in_(list(prices))))} if prices else {}
    return [
        {"product_id": pid, "name": names[pid].name, "unit": names[pid].unit, "price_minor": p.price_minor,
         "floor_minor": p.floor_minor, "ceiling_minor": p.ceiling_minor, "adopted_at": p.closed_at,
         "proposal_id": p.id}
        for pid, p in sorted(prices.items(), key=lambda kv: (names[kv[0]].name, kv[0]))
    ]


def public_alliance_view(session: Session, campaign: Campaign) -> dict[str, Any]:
    """What consumers may see (the public campaign page's slot): alliance prices and which offers keep to them.

    {prices: [alliance_price_items], compliant: {member_id: [product_id, …]}, offers: {member_id:
    [{product_id, product, price_minor, original_price_minor, alliance}]}}: a member's product is
    listed under compliant (alliance: True) only when its current price keeps to the adopted band
    (and cap), so only those offers show the "alliance price" label. Supplier prices and mark-ups
    never appear.
    """
    report = compliance_report(session, campaign)
    compliant: dict[int, list[int]] = defaultdict(list)
    offers: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in report["rows"]:
        keeps = row["band"] is not None and not row["problems"]
        if keeps:
            compliant[row["member_id"]].append(row["product_id"])
        offers[row["member_id"]].append({
            "product_id": row["product_id"], "product": row["product"], "price_minor": row["price_minor"],
            # checked against the member's own price history when listed (rules.check_original_price)
            "original_price_minor": row["original_price_minor"], "alliance": keeps,
        })
    for items in offers.values():
        items.sort(key=lambda o: (not o["alliance"], o["product"]))
    return {"prices": alliance_price_items(session, campaign), "compliant": dict(compliant), "offers": dict(offers)}


# --------------------------------------------------------------------------- listed prices


def price_history(session: Session, chamber_id: int, member_id: int, product_id: int) -> list[tuple[dt.datetime, int]]:
    """(listed_at, price) of every price the member listed for the product, in any campaign of the chamber."""
    return [(t, p) for t, p in session.execute(
        select(PriceListing.listed_at, PriceListing.price_minor).where(
            PriceListing.chamber_id == chamber_id, PriceListing.member_id == member_id,
            PriceListing.product_id == product_id).order_by(PriceListing.listed_at, PriceListing.id))]


def list_price(session: Session, campaign: Campaign, member: Member, product: Product, *, price_minor: int,
               original_price_minor: int | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """List a participant's price (appended to the history) after checking an honest original price.

    Returns {listing, compliant, problems} against the adopted band and the mark-up cap.
    """
    now = now or utcnow()
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    _check_active(campaign)
    if not _takes_part(session, campaign, member.id):
        raise NotParticipant(_("Only the campaign's participants can do this."))
    settings = get_settings(session, chamber)
    # one member's listings of one product are checked and appended one at a time
    session.execute(select(Member.id).where(Member.chamber_id == member.chamber_id, Member.id == member.id)
                    .with_for_update())
    history = price_history(session, chamber.id, member.id, product.id)
    try:
        rules.check_original_price(price_minor, original_price_minor, history, now,
                                   dt.timedelta(days=settings.lookback_days))
    except RuleError as err:
        raise _invalid(err, chamber.currency) from None
    listing = PriceListing(chamber_id=chamber.id, campaign_id=campaign.id, member_id=member.id,
                           product_id=product.id, price_minor=price_minor,
                           original_price_minor=original_price_minor, listed_at=now)
    session.add(listing)
    session.flush()
    problems = _problems_for(session, campaign, settings, product.id, price_minor)
    return {"listing": listing, "compliant": not problems, "problems": problems}


def _problems_for(session: Session, campaign: Campaign, settings: AllianceSettings, product_id: int,
                  price: int) -> list[str]:
    adopted = current_alliance_prices(session, campaign).get(product_id)
    cap = _caps(session, campaign, settings).get(product_id)
    if adopted is None:
        return rules.listing_problems(price, None, None, cap)
    floor, ceiling = rules.alliance_band(adopted.price_minor, adopted.floor_minor, adopted.ceiling_minor)
    return rules.listing_problems(price, floor, ceiling, cap)


def _utc(value: Any) -> dt.datetime:
    """A raw listed_at (SQLite: text; PostgreSQL: an aware datetime) as an aware UTC datetime."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value).replace(tzinfo=dt.timezone.utc)
    moment: dt.datetime = value
    return moment.astimezone(dt.timezone.utc) if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _current_listings(session: Session, campaign: Campaign, member_ids: list[int] | None = None) -> list[Any]:
    """The newest listing of each (member, product) in the campaign: (member, product, price, original, listed_at).

    One query, read through the Core connection with the time as the driver gives it and converted
    here in one step: the ORM's rows and the generic date-time parsing were most of the compliance
    report's time at 50,000 listings (bench/bench_alliance.py).
    """
    newest = (
        select(func.max(PriceListing.id).label("id"))
        .where(PriceListing.chamber_id == campaign.chamber_id, PriceListing.campaign_id == campaign.id)
        .group_by(PriceListing.member_id, PriceListing.product_id)
    )
    if member_ids is not None:
        newest = newest.where(PriceListing.member_id.in_(member_ids))
    session.flush()
    rows = session.connection().execute(
        select(PriceListing.member_id, PriceListing.product_id, PriceListing.price_minor,
               PriceListing.original_price_minor, type_coerce(PriceListing.listed_at, String))
        .where(PriceListing.chamber_id == campaign.chamber_id, PriceListing.id.in_(newest.scalar_subquery()))
    ).all()
    return [(m, p, price, original, _utc(at)) for m, p, price, original, at in rows]


def compliance_report(session: Session, campaign: Campaign, member_ids: list[int] | None = None) -> dict[str, Any]:
    """Each participant's current listed price checked against the adopted band and the mark-up cap.

    {rows: [{member_id, business_name, product_id, product, price_minor, original_price_minor, listed_at,
    band: (floor, ceiling) | None, cap_minor, problems, since}], violations: count}. ``since``: when the
    listing became non-compliant (its listing time, or the adoption if that came later). Seven queries,
    whatever the number of participants and products.
    """
    chamber = session.get(Chamber, campaign.chamber_id)
    assert chamber is not None
    settings = get_settings(session, chamber)
    adopted = current_alliance_prices(session, campaign)
    caps = _caps(session, campaign, settings)
    listings = _current_listings(session, campaign, member_ids)
    names = dict(session.execute(select(Member.id, Member.business_name).where(
        Member.chamber_id == campaign.chamber_id,
        Member.id.in_(select(Participation.member_id).where(Participation.chamber_id == campaign.chamber_id,
                                                            Participation.campaign_id == campaign.id)))).all())
    products = {pid: f"{name} {unit}" for pid, name, unit in session.execute(
        select(Product.id, Product.name, Product.unit).where(Product.chamber_id == campaign.chamber_id))}
    bands = {pid: rules.alliance_band(p.price_minor, p.floor_minor, p.ceiling_minor) for pid, p in adopted.items()}
    # prices repeat (an alliance is about the same price): check each (product, price) once
    checked: dict[tuple[int, int], list[str]] = {}
    rows = []
    violations = 0
    for member_id, product_id, price, original, listed_at in listings:
        name = names.get(member_id)
        if name is None:  # withdrew from the campaign
            continue
        band = bands.get(product_id)
        problems = checked.get((product_id, price))
        if problems is None:
            problems = checked[(product_id, price)] = rules.listing_problems(
                price, band[0] if band else None, band[1] if band else None, caps.get(product_id))
        since = None
        if problems:
            violations += 1
            since = listed_at
            if band and "above_markup_cap" not in problems and adopted[product_id].closed_at > listed_at:
                since = adopted[product_id].closed_at
        rows.append({
            "member_id": member_id, "business_name": name, "product_id": product_id,
            "product": products[product_id], "price_minor": price, "original_price_minor": original,
            "listed_at": listed_at, "band": band, "cap_minor": caps.get(product_id), "problems": problems,
            "since": since,
        })
    rows.sort(key=lambda r: (not r["problems"], r["business_name"], r["member_id"], r["product"]))
    return {"rows": rows, "violations": violations}


def violation_counts(session: Session, chamber_id: int, member_ids: list[int]) -> dict[int, int]:
    """How many of each member's current listings break an alliance band or the cap, over the chamber's
    campaigns that are not cancelled (an input to the member's credit score)."""
    counts: dict[int, int] = dict.fromkeys(member_ids, 0)
    for campaign in session.scalars(select(Campaign).where(
            Campaign.chamber_id == chamber_id, Campaign.status.in_(rules.SCORED_CAMPAIGN_STATUSES))):
        for row in compliance_report(session, campaign, member_ids)["rows"]:
            if row["problems"]:
                counts[row["member_id"]] = counts.get(row["member_id"], 0) + 1
    return counts


def credit_compliance(session: Session, chamber_id: int, member_ids: list[int]) -> dict[int, float]:
    """Credit-score input: 1.0 with no price violations, halving with each one."""
    return {m: 0.5 ** n for m, n in violation_counts(session, chamber_id, member_ids).items()}


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
        raise _invalid(err, chamber.currency) from None
    _check_active(campaign)
    settings = get_settings(session, chamber)
    negotiated = negotiated_unit_prices(session, campaign).get(product.id)
    try:
        rules.check_markup(price_minor, negotiated, max_markup(settings))
        if ceiling_minor is not None:
            rules.check_markup(ceiling_minor, negotiated, max_markup(settings), field="ceiling")
    except RuleError as err:
        raise _invalid(err, chamber.currency) from None
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


def get_proposal(session: Session, chamber: Chamber, proposal_id: int) -> PriceProposal | None:
    """One of the chamber's proposals, or None."""
    return session.scalar(select(PriceProposal).where(PriceProposal.chamber_id == chamber.id,
                                                      PriceProposal.id == proposal_id))


def list_proposals(session: Session, campaign: Campaign) -> list[PriceProposal]:
    """The campaign's proposals: open ones first (soonest closing), then the closed ones, newest first."""
    rows = list(session.scalars(select(PriceProposal).where(
        PriceProposal.chamber_id == campaign.chamber_id, PriceProposal.campaign_id == campaign.id)))
    opened = sorted((p for p in rows if p.status == "open"), key=lambda p: (p.closes_at, p.id))
    closed = sorted((p for p in rows if p.status != "open"), key=lambda p: (p.closed_at, p.id), reverse=True)
    return opened + closed


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
    if not _takes_part(session, campaign, member.id):
        raise NotParticipant(_("Only the campaign's participants can do this."))
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


def proposal_rule(proposal: PriceProposal) -> tuple[Fraction, Fraction]:
    """The proposal's frozen (quorum, threshold)."""
    return (Fraction(proposal.quorum_num, proposal.quorum_den),
            Fraction(proposal.threshold_num, proposal.threshold_den))


def tally_proposal(session: Session, proposal: PriceProposal) -> rules.Tally:
    """Count a proposal's votes over the campaign's current participants (two queries, whatever their number)."""
    campaign_id = proposal.campaign_id
    weights = dict(session.execute(
        select(Participation.member_id, Tier.weight)
        .join(Member, and_(Member.id == Participation.member_id, Member.chamber_id == Participation.chamber_id))
        .join(Tier, and_(Tier.id == Member.tier_id, Tier.chamber_id == Member.chamber_id))
        .where(Participation.chamber_id == proposal.chamber_id, Participation.campaign_id == campaign_id)
    ).all())
    votes = dict(session.execute(select(PriceVote.member_id, PriceVote.choice).where(
        PriceVote.chamber_id == proposal.chamber_id, PriceVote.proposal_id == proposal.id)).all())
    quorum, threshold = proposal_rule(proposal)
    return rules.tally(rules.vote_weights(weights, proposal.weighting), votes, quorum, threshold)


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
    tally = tally_proposal(session, proposal)
    if now < proposal.closes_at:
        campaign = session.get(Campaign, proposal.campaign_id)
        assert campaign is not None
        voted = set(session.scalars(select(PriceVote.member_id).where(
            PriceVote.chamber_id == proposal.chamber_id, PriceVote.proposal_id == proposal.id)))
        if by is None or not rules.can_close_early(participant_weights(session, campaign), voted):
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


def due_proposal_ids(session: Session, now: dt.datetime) -> list[int]:
    """Open proposals (of every chamber) whose closing time has come."""
    return list(session.scalars(select(PriceProposal.id).where(
        PriceProposal.status == "open", PriceProposal.closes_at <= now).order_by(PriceProposal.id)))


def reminder_proposal_ids(session: Session, now: dt.datetime) -> list[int]:
    """Open proposals closing within 24 hours whose non-voters have not been reminded yet."""
    return list(session.scalars(select(PriceProposal.id).where(
        PriceProposal.status == "open", PriceProposal.reminded_at.is_(None), PriceProposal.closes_at > now,
        PriceProposal.closes_at <= now + rules.REMINDER_BEFORE).order_by(PriceProposal.id)))


def remind_non_voters(session: Session, proposal: PriceProposal, now: dt.datetime | None = None) -> int:
    """Remind the participants who have not voted, once, within 24 hours of the closing; how many were told."""
    now = now or utcnow()
    proposal = _lock_proposal(session, proposal)
    if proposal.status != "open" or proposal.reminded_at is not None or not rules.reminder_due(proposal.closes_at, now):
        return 0
    campaign = session.get(Campaign, proposal.campaign_id)
    assert campaign is not None
    voted = set(session.scalars(select(PriceVote.member_id).where(
        PriceVote.chamber_id == proposal.chamber_id, PriceVote.proposal_id == proposal.id)))
    waiting = sorted(set(participant_weights(session, campaign)) - voted)
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
    notify_members(session, proposal, sorted(participant_weights(session, campaign)), "proposal_result", facts, now)


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


def notices_for(session: Session, chamber: Chamber, user_id: int, limit: int = 20) -> list[InboxMessage]:
    """The user's newest inbox messages from the price alliance (vote reminders, results) in this chamber."""
    return inbox(session, user_id, chamber_id=chamber.id, kind_prefix="pricing_alliance.", limit=limit)


def proposal_view(session: Session, proposal: PriceProposal, viewer_members: list[int] | None = None) -> dict[str, Any]:
    """A proposal as plain data. While open only the turnout is shown, never who voted how or the running result.

    viewer_members: the viewer's businesses, whose own votes are included (``my_votes``).
    """
    product = session.get(Product, proposal.product_id)
    assert product is not None
    quorum, threshold = proposal_rule(proposal)
    view: dict[str, Any] = {
        "id": proposal.id, "campaign_id": proposal.campaign_id, "product_id": proposal.product_id,
        "product": f"{product.name} {product.unit}", "price_minor": proposal.price_minor,
        "floor_minor": proposal.floor_minor, "ceiling_minor": proposal.ceiling_minor, "closes_at": proposal.closes_at,
        "status": proposal.status, "weighting": proposal.weighting, "quorum": quorum, "threshold": threshold,
        "created_at": proposal.created_at, "closed_at": proposal.closed_at,
    }
    if proposal.status == "open":
        t = tally_proposal(session, proposal)
        view["tally"] = {"eligible": t.eligible, "voters": t.voters, "turnout": t.turnout}
    else:
        eligible_weight = Fraction(proposal.eligible_weight or 0)
        approve, reject, abstain = (Fraction(w or 0) for w in (proposal.approve_weight, proposal.reject_weight,
                                                               proposal.abstain_weight))
        voted = approve + reject + abstain
        cast = approve + reject
        view["tally"] = {
            "eligible": proposal.eligible, "voters": proposal.voters,
            "turnout": voted / eligible_weight if eligible_weight else Fraction(0),
            "eligible_weight": eligible_weight, "approve": approve, "reject": reject, "abstain": abstain,
            "approval": approve / cast if cast else Fraction(0),
        }
    view["my_votes"] = {}
    if viewer_members:
        view["my_votes"] = dict(session.execute(select(PriceVote.member_id, PriceVote.choice).where(
            PriceVote.chamber_id == proposal.chamber_id, PriceVote.proposal_id == proposal.id,
            PriceVote.member_id.in_(viewer_members))).all())
    return view


# --------------------------------------------------------------------------- joint purchasing


def set_demand(session: Session, campaign: Campaign, member: Member, product: Product, quantity: int,
               now: dt.datetime | None = None) -> Demand:
    """State how many of a product a participant will buy through the joint purchase."""
    _check_active(campaign)
    if not _takes_part(session, campaign, member.id):
        raise NotParticipant(_("Only the campaign's participants can do this."))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 1_000_000:
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


def joint_purchase_view(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Aggregated demand per product with the supplier's price for the total, each member's allocation and
    amount due (minor units), and what the joint-purchase account has recorded. Five queries."""
    cid = campaign.chamber_id
    demand = session.execute(
        select(Demand.product_id, Demand.member_id, Demand.quantity, Member.business_name)
        .join(Member, and_(Member.id == Demand.member_id, Member.chamber_id == Demand.chamber_id))
        .where(Demand.chamber_id == cid, Demand.campaign_id == campaign.id)
        .order_by(Member.business_name, Member.id)
    ).all()
    suppliers = {s.product_id: s for s in session.scalars(select(SupplierPrice).where(
        SupplierPrice.chamber_id == cid, SupplierPrice.campaign_id == campaign.id))}
    tiers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for sp_id, q, u in session.execute(select(VolumeTier.supplier_price_id, VolumeTier.min_quantity,
                                              VolumeTier.unit_price_minor).where(VolumeTier.chamber_id == cid)
                                       .order_by(VolumeTier.min_quantity)):
        tiers[sp_id].append((q, u))
    products = {p.id: p for p in session.scalars(select(Product).where(Product.chamber_id == cid))}
    by_product: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for pid, mid, q, name in demand:
        by_product[pid].append((mid, q, name))
    items = []
    member_totals: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    for pid in sorted(set(by_product) | set(suppliers), key=lambda p: (products[p].name, p)):
        rows = by_product.get(pid, [])
        total = sum(q for _m, q, _n in rows)
        sp = suppliers.get(pid)
        unit = rules.volume_unit_price(sp.unit_price_minor, tiers.get(sp.id, []), total) if sp else None
        due = rules.amounts_due({m: q for m, q, _n in rows}, unit) if unit is not None else {}
        for m, _q, n in rows:
            names[m] = n
            member_totals[m] += due.get(m, 0)
        items.append({
            "product_id": pid, "product": f"{products[pid].name} {products[pid].unit}", "total_quantity": total,
            "supplier": sp.supplier if sp else "", "base_unit_price_minor": sp.unit_price_minor if sp else None,
            "tiers": tiers.get(sp.id, []) if sp else [], "unit_price_minor": unit,
            "delivery_notes": sp.delivery_notes if sp else "",
            "total_minor": sum(due.values()) if unit is not None else None,
            "members": [{"member_id": m, "business_name": n, "quantity": q, "amount_minor": due.get(m)}
                        for m, q, n in rows],
        })
    recorded = recorded_dues(session, campaign)
    members: list[dict[str, Any]] = [
        {"member_id": m, "business_name": names.get(m, ""), "amount_minor": member_totals.get(m, 0),
         "recorded_minor": recorded.get(m, 0)}
        for m in sorted(set(member_totals) | set(recorded), key=lambda m: (names.get(m, ""), m))
    ]
    missing = {m for m in recorded if m not in names}
    if missing:
        extra = dict(session.execute(select(Member.id, Member.business_name).where(
            Member.chamber_id == cid, Member.id.in_(missing))).all())
        for member_row in members:
            member_row["business_name"] = member_row["business_name"] or extra.get(member_row["member_id"], "")
    return {"items": items, "members": members, "total_minor": sum(member_totals.values()),
            "recorded_total_minor": sum(recorded.values())}


def recorded_dues(session: Session, campaign: Campaign, by_product: bool = False) -> dict[Any, int]:
    """Net amount each member owes on the joint-purchase account (rules.net_owed: dues less credits); keyed
    (member, product) if asked."""
    return rules.net_owed(((mid, pid) if by_product else mid, kind, amount)
                          for mid, pid, kind, amount in session.execute(select(
                              JointPurchaseEntry.member_id, JointPurchaseEntry.product_id, JointPurchaseEntry.kind,
                              JointPurchaseEntry.amount_minor).where(
                              JointPurchaseEntry.chamber_id == campaign.chamber_id,
                              JointPurchaseEntry.campaign_id == campaign.id)))


def record_dues(session: Session, campaign: Campaign, by: User, now: dt.datetime | None = None) -> int:
    """Bring the joint-purchase account up to the current allocation: append a due (or a credit) for each
    (member, product) whose amount changed. Returns how many entries were written."""
    now = now or utcnow()
    session.execute(select(Campaign.id).where(Campaign.chamber_id == campaign.chamber_id, Campaign.id == campaign.id)
                    .with_for_update())
    view = joint_purchase_view(session, campaign)
    if any(i["unit_price_minor"] is None and i["total_quantity"] for i in view["items"]):
        raise Conflict(_("Record the supplier's price of every product with demand first."))
    target: dict[Any, int] = {}
    quantities: dict[Any, tuple[int, int]] = {}
    for item in view["items"]:
        for m in item["members"]:
            target[(m["member_id"], item["product_id"])] = m["amount_minor"]
            quantities[(m["member_id"], item["product_id"])] = (m["quantity"], item["unit_price_minor"])
    written = 0
    for (mid, pid), diff in rules.due_adjustments(target, recorded_dues(session, campaign, by_product=True)).items():
        quantity, unit = quantities.get((mid, pid), (0, 0))
        kind, amount = rules.adjustment_entry(diff)
        session.add(JointPurchaseEntry(
            chamber_id=campaign.chamber_id, campaign_id=campaign.id, member_id=mid, product_id=pid,
            kind=kind, quantity=quantity, unit_price_minor=unit, amount_minor=amount,
            created_by_id=by.id, created_at=now))
        written += 1
    session.flush()
    return written


def member_prices(session: Session, campaign: Campaign, member_ids: list[int]) -> list[dict[str, Any]]:
    """The members' own current listings with their problems (what a member sees of compliance)."""
    rows: list[dict[str, Any]] = compliance_report(session, campaign, member_ids)["rows"]
    return rows


def demand_of(session: Session, campaign: Campaign, member_ids: list[int]) -> dict[tuple[int, int], int]:
    """(member, product) → the quantity these members stated."""
    if not member_ids:
        return {}
    return {(m, p): q for m, p, q in session.execute(select(Demand.member_id, Demand.product_id, Demand.quantity).where(
        Demand.chamber_id == campaign.chamber_id, Demand.campaign_id == campaign.id, Demand.member_id.in_(member_ids)))}


def volume_tiers(session: Session, row: SupplierPrice) -> list[tuple[int, int]]:
    """(min_quantity, unit price) of a supplier price's volume tiers, smallest quantity first."""
    return [(q, u) for q, u in session.execute(select(VolumeTier.min_quantity, VolumeTier.unit_price_minor).where(
        VolumeTier.chamber_id == row.chamber_id, VolumeTier.supplier_price_id == row.id).order_by(VolumeTier.min_quantity))]  # noqa: E501

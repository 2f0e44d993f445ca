"""Read queries of the pricing alliance: settings, catalogue, participants, supplier prices, listed prices and
compliance, proposals and their tally, the joint purchase's demand and account, notices.

Session first; they read (and may flush), never write or commit. Presentation as plain dicts is in
presenters.py; commands in operations.py; the decisions themselves in rules.py.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy import String, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from campaigns.models import Campaign, Participation
from campaigns.queries import acting_business
from chamber.models import Chamber, Member, Tier, User
from chamber.notifications.models import InboxMessage
from chamber.notifications.operations import inbox
from chamber.rules import MAX_ID

from . import rules
from .errors import not_participant
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


# --------------------------------------------------------------------------- campaigns and the catalogue


def active_campaigns(session: Session, chamber: Chamber) -> list[Campaign]:
    """The chamber's campaigns in which prices are agreed now (rules.ACTIVE_CAMPAIGN_STATUSES), soonest first."""
    return list(session.scalars(select(Campaign).where(
        Campaign.chamber_id == chamber.id, Campaign.status.in_(rules.ACTIVE_CAMPAIGN_STATUSES))
        .order_by(Campaign.starts_at, Campaign.id)))


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
    if not 1 <= pid <= MAX_ID:
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
    if not takes_part(session, campaign, member.id):
        raise not_participant()
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


def takes_part(session: Session, campaign: Campaign, member_id: int) -> bool:
    """Whether the member takes part in the campaign."""
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


# --------------------------------------------------------------------------- supplier prices and the cap


def supplier_price(session: Session, campaign: Campaign, product_id: int) -> SupplierPrice | None:
    """The negotiated supplier price of a product for the campaign, or None."""
    return session.scalar(select(SupplierPrice).where(
        SupplierPrice.chamber_id == campaign.chamber_id, SupplierPrice.campaign_id == campaign.id,
        SupplierPrice.product_id == product_id))


def volume_tiers(session: Session, row: SupplierPrice) -> list[tuple[int, int]]:
    """(min_quantity, unit price) of a supplier price's volume tiers, smallest quantity first."""
    return [(q, u) for q, u in session.execute(select(VolumeTier.min_quantity, VolumeTier.unit_price_minor).where(
        VolumeTier.chamber_id == row.chamber_id, VolumeTier.supplier_price_id == row.id).order_by(VolumeTier.min_quantity))]  # noqa: E501


def supplier_terms(session: Session, campaign: Campaign) -> dict[int, tuple[SupplierPrice, list[tuple[int, int]]]]:
    """product → its supplier price for the campaign and that price's volume tiers, smallest quantity first
    (products with a supplier price; two queries)."""
    cid = campaign.chamber_id
    suppliers = {s.id: s for s in session.scalars(select(SupplierPrice).where(
        SupplierPrice.chamber_id == cid, SupplierPrice.campaign_id == campaign.id))}
    tiers: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if suppliers:
        for sp_id, q, u in session.execute(select(VolumeTier.supplier_price_id, VolumeTier.min_quantity,
                                                  VolumeTier.unit_price_minor).where(
                VolumeTier.chamber_id == cid, VolumeTier.supplier_price_id.in_(list(suppliers)))
                .order_by(VolumeTier.min_quantity)):
            tiers[sp_id].append((q, u))
    return {s.product_id: (s, tiers.get(sp_id, [])) for sp_id, s in suppliers.items()}


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


def markup_caps(session: Session, campaign: Campaign, settings: AllianceSettings) -> dict[int, int]:
    """product → the highest price the mark-up cap allows over the negotiated unit price (products with a
    supplier price): the chamber's mark-up limit is over what the chamber actually pays."""
    markup = max_markup(settings)
    if markup is None:
        return {}
    return {pid: rules.markup_cap(unit, markup) for pid, unit in negotiated_unit_prices(session, campaign).items()}


# --------------------------------------------------------------------------- alliance prices and listed prices


def current_alliance_prices(session: Session, campaign: Campaign) -> dict[int, PriceProposal]:
    """product → the adopted proposal in force (the latest adopted one supersedes earlier ones)."""
    out: dict[int, PriceProposal] = {}
    for p in session.scalars(select(PriceProposal).where(
            PriceProposal.chamber_id == campaign.chamber_id, PriceProposal.campaign_id == campaign.id,
            PriceProposal.status == "adopted").order_by(PriceProposal.closed_at, PriceProposal.id)):
        out[p.product_id] = p
    return out


def price_history(session: Session, chamber_id: int, member_id: int, product_id: int) -> list[tuple[dt.datetime, int]]:
    """(listed_at, price) of every price the member listed for the product, in any campaign of the chamber."""
    return [(t, p) for t, p in session.execute(
        select(PriceListing.listed_at, PriceListing.price_minor).where(
            PriceListing.chamber_id == chamber_id, PriceListing.member_id == member_id,
            PriceListing.product_id == product_id).order_by(PriceListing.listed_at, PriceListing.id))]


def price_problems(session: Session, campaign: Campaign, settings: AllianceSettings, product_id: int,
                   price: int) -> list[str]:
    """What is wrong with this price of the product now (rules.listing_problems): the adopted band, the cap."""
    adopted = current_alliance_prices(session, campaign).get(product_id)
    cap = markup_caps(session, campaign, settings).get(product_id)
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
    caps = markup_caps(session, campaign, settings)
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


def member_prices(session: Session, campaign: Campaign, member_ids: list[int]) -> list[dict[str, Any]]:
    """The members' own current listings with their problems (what a member sees of compliance)."""
    rows: list[dict[str, Any]] = compliance_report(session, campaign, member_ids)["rows"]
    return rows


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


def campaign_of(session: Session, campaign_id: int) -> Campaign:
    """The campaign a proposal or the public page's slots belong to, by its id (a row the request has already
    loaded is in the session's identity map: no query)."""
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    return campaign


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


def voters_of(session: Session, proposal: PriceProposal) -> set[int]:
    """The members who have voted on the proposal."""
    return set(session.scalars(select(PriceVote.member_id).where(
        PriceVote.chamber_id == proposal.chamber_id, PriceVote.proposal_id == proposal.id)))


def votes_of(session: Session, proposal: PriceProposal, member_ids: list[int]) -> dict[int, str]:
    """member → choice, of these members' votes on the proposal."""
    return dict(session.execute(select(PriceVote.member_id, PriceVote.choice).where(
        PriceVote.chamber_id == proposal.chamber_id, PriceVote.proposal_id == proposal.id,
        PriceVote.member_id.in_(member_ids))).all())


def due_proposal_ids(session: Session, now: dt.datetime) -> list[int]:
    """Open proposals (of every chamber) whose closing time has come."""
    return list(session.scalars(select(PriceProposal.id).where(
        PriceProposal.status == "open", PriceProposal.closes_at <= now).order_by(PriceProposal.id)))


def reminder_proposal_ids(session: Session, now: dt.datetime) -> list[int]:
    """Open proposals closing within 24 hours whose non-voters have not been reminded yet."""
    return list(session.scalars(select(PriceProposal.id).where(
        PriceProposal.status == "open", PriceProposal.reminded_at.is_(None), PriceProposal.closes_at > now,
        PriceProposal.closes_at <= now + rules.REMINDER_BEFORE).order_by(PriceProposal.id)))


def notices_for(session: Session, chamber: Chamber, user_id: int, limit: int = 20) -> list[InboxMessage]:
    """The user's newest inbox messages from the price alliance (vote reminders, results) in this chamber."""
    return inbox(session, user_id, chamber_id=chamber.id, kind_prefix="pricing_alliance.", limit=limit)


# --------------------------------------------------------------------------- joint purchasing


class StatedDemand(NamedTuple):
    """One participant's stated quantity of a product, with the business's name."""

    product_id: int
    member_id: int
    quantity: int
    business_name: str


def stated_demand(session: Session, campaign: Campaign) -> list[StatedDemand]:
    """Every quantity stated for the joint purchase, by business name (one query)."""
    return [StatedDemand(*row) for row in session.execute(
        select(Demand.product_id, Demand.member_id, Demand.quantity, Member.business_name)
        .join(Member, and_(Member.id == Demand.member_id, Member.chamber_id == Demand.chamber_id))
        .where(Demand.chamber_id == campaign.chamber_id, Demand.campaign_id == campaign.id)
        .order_by(Member.business_name, Member.id)
    )]


class JointPurchase(NamedTuple):
    """What the joint purchase stands on: the stated demand, the supplier prices (product → row and volume
    tiers) and, per product with demand or a supplier price, its line (rules.purchase_lines)."""

    demand: list[StatedDemand]
    terms: dict[int, tuple[SupplierPrice, list[tuple[int, int]]]]
    lines: dict[int, rules.PurchaseLine]


def joint_purchase(session: Session, campaign: Campaign) -> JointPurchase:
    """The campaign's joint purchase: demand, supplier prices, and each product's unit price for the total and
    each member's amount due (three queries)."""
    demand = stated_demand(session, campaign)
    terms = supplier_terms(session, campaign)
    lines = rules.purchase_lines([(d.product_id, d.member_id, d.quantity) for d in demand],
                                 {pid: (sp.unit_price_minor, tiers) for pid, (sp, tiers) in terms.items()})
    return JointPurchase(demand, terms, lines)


def recorded_dues(session: Session, campaign: Campaign, by_product: bool = False) -> dict[Any, int]:
    """Net amount each member owes on the joint-purchase account (rules.net_owed: dues less credits); keyed
    (member, product) if asked."""
    return rules.net_owed(((mid, pid) if by_product else mid, kind, amount)
                          for mid, pid, kind, amount in session.execute(select(
                              JointPurchaseEntry.member_id, JointPurchaseEntry.product_id, JointPurchaseEntry.kind,
                              JointPurchaseEntry.amount_minor).where(
                              JointPurchaseEntry.chamber_id == campaign.chamber_id,
                              JointPurchaseEntry.campaign_id == campaign.id)))


def demand_of(session: Session, campaign: Campaign, member_ids: list[int]) -> dict[tuple[int, int], int]:
    """(member, product) → the quantity these members stated."""
    if not member_ids:
        return {}
    return {(m, p): q for m, p, q in session.execute(select(Demand.member_id, Demand.product_id, Demand.quantity).where(
        Demand.chamber_id == campaign.chamber_id, Demand.campaign_id == campaign.id, Demand.member_id.in_(member_ids)))}

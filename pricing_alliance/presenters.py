"""Presenters of the pricing alliance: each resource as plain data, one function per resource.

The alliance prices (alliance_price_items), what shoppers see (public_alliance_view), a proposal
(proposal_view) and the joint purchase (joint_purchase_view). The API (api.py formats these dicts as
JSON), the pages, the public campaign page and flyer (public.py) and the purchase request PDF
(documents.py) all start from these; amounts stay in minor units and times aware UTC until the view
formats them. A campaign itself is presented by campaigns.presenters.campaign_data.
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign
from chamber.models import Member

from . import queries
from .models import PriceProposal, Product


def alliance_price_items(session: Session, campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's alliance prices as plain data, for everyone: product, price, band. No supplier data."""
    prices = queries.current_alliance_prices(session, campaign)
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
    report = queries.compliance_report(session, campaign)
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


def proposal_view(session: Session, proposal: PriceProposal, viewer_members: list[int] | None = None) -> dict[str, Any]:
    """A proposal as plain data. While open only the turnout is shown, never who voted how or the running result.

    viewer_members: the viewer's businesses, whose own votes are included (``my_votes``).
    """
    product = session.get(Product, proposal.product_id)
    assert product is not None
    quorum, threshold = queries.proposal_rule(proposal)
    view: dict[str, Any] = {
        "id": proposal.id, "campaign_id": proposal.campaign_id, "product_id": proposal.product_id,
        "product": f"{product.name} {product.unit}", "price_minor": proposal.price_minor,
        "floor_minor": proposal.floor_minor, "ceiling_minor": proposal.ceiling_minor, "closes_at": proposal.closes_at,
        "status": proposal.status, "weighting": proposal.weighting, "quorum": quorum, "threshold": threshold,
        "created_at": proposal.created_at, "closed_at": proposal.closed_at,
    }
    if proposal.status == "open":
        t = queries.tally_proposal(session, proposal)
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
    view["my_votes"] = queries.votes_of(session, proposal, viewer_members) if viewer_members else {}
    return view


def joint_purchase_view(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Aggregated demand per product with the supplier's price for the total, each member's allocation and
    amount due (minor units), and what the joint-purchase account has recorded. Five queries."""
    cid = campaign.chamber_id
    jp = queries.joint_purchase(session, campaign)
    products = {pid: (name, unit) for pid, name, unit in session.execute(
        select(Product.id, Product.name, Product.unit).where(Product.chamber_id == cid))}
    names = {d.member_id: d.business_name for d in jp.demand}
    member_totals: dict[int, int] = defaultdict(int)
    items = []
    for pid in sorted(jp.lines, key=lambda p: (products[p][0], p)):
        line = jp.lines[pid]
        sp, tiers = jp.terms.get(pid, (None, []))
        for m in line.quantities:
            member_totals[m] += line.amounts.get(m, 0)
        items.append({
            "product_id": pid, "product": " ".join(products[pid]), "total_quantity": line.total_quantity,
            "supplier": sp.supplier if sp else "", "base_unit_price_minor": sp.unit_price_minor if sp else None,
            "tiers": tiers, "unit_price_minor": line.unit_price,
            "delivery_notes": sp.delivery_notes if sp else "", "total_minor": line.total,
            "members": [{"member_id": m, "business_name": names[m], "quantity": q, "amount_minor": line.amounts.get(m)}
                        for m, q in line.quantities.items()],
        })
    recorded = queries.recorded_dues(session, campaign)
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

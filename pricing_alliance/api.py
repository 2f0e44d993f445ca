"""JSON API views of the pricing alliance (registered in blueprint.py with chamber.api.api_route).

Thin: validate, load with access (404), call ONE operation, commit once. The formatters at the
top turn the plain data of presenters.py and queries.py into the API's shapes (money as decimal
strings, times with the chamber's offset, shares as percentages plus the exact fraction).
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _

from campaigns.loading import load_campaign
from campaigns.models import Campaign
from chamber.api import ApiError, json_body, local_iso, token_user, validate_json
from chamber.db import get_session
from chamber.models import Chamber
from chamber.rules import format_money
from chamber.web import chamber_role, fail, load_chamber

from . import operations as ops
from . import presenters, queries
from .forms import DemandForm, PriceForm, ProductForm, ProposalForm, SettingsForm, SupplierPriceForm, VoteForm
from .loading import load_product, load_proposal

# --------------------------------------------------------------------------- JSON shapes


def money(value: int | None, currency: str) -> str | None:
    return format_money(value, currency) if value is not None else None


def pct(value: Fraction) -> int | float:
    """A share as a JSON percentage (exact when whole, else to 4 decimals)."""
    p = value * 100
    return p.numerator if p.denominator == 1 else round(float(p), 4)


def weight(value: Fraction) -> str:
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f") if value.denominator != 1 \
        else str(value.numerator)


def product_json(p: Any, currency: str) -> dict[str, Any]:
    return {"product_id": p.id, "name": p.name, "unit": p.unit, "category": p.category,
            "reference_price": money(p.reference_price_minor, currency), "has_image": p.image_type is not None}


def proposal_json(view: dict[str, Any], chamber: Chamber) -> dict[str, Any]:
    """Long: one line per field of the API's proposal shape."""
    cur, tz = chamber.currency, chamber.timezone
    t = view["tally"]
    tally: dict[str, Any] = {"eligible": t["eligible"], "voters": t["voters"], "turnout_pct": pct(t["turnout"])}
    if view["status"] != "open":
        tally.update({
            "eligible_weight": weight(t["eligible_weight"]), "approve": weight(t["approve"]),
            "reject": weight(t["reject"]), "abstain": weight(t["abstain"]), "approval_pct": pct(t["approval"]),
        })
    return {
        "proposal_id": view["id"], "product_id": view["product_id"], "product": view["product"],
        "price": money(view["price_minor"], cur), "floor": money(view["floor_minor"], cur),
        "ceiling": money(view["ceiling_minor"], cur), "closes_at": local_iso(view["closes_at"], tz),
        "status": view["status"], "weighting": view["weighting"], "quorum": pct(view["quorum"]),
        "threshold": pct(view["threshold"]), "quorum_fraction": str(view["quorum"]),
        "threshold_fraction": str(view["threshold"]), "created_at": local_iso(view["created_at"], tz),
        "closed_at": local_iso(view["closed_at"], tz), "tally": tally,
        "my_votes": [{"member_id": m, "choice": c} for m, c in sorted(view["my_votes"].items())],
    }


def listing_json(row: dict[str, Any], chamber: Chamber) -> dict[str, Any]:
    cur = chamber.currency
    band = row["band"]
    return {
        "member_id": row["member_id"], "business_name": row["business_name"], "product_id": row["product_id"],
        "product": row["product"], "price": money(row["price_minor"], cur),
        "original_price": money(row["original_price_minor"], cur),
        "listed_at": local_iso(row["listed_at"], chamber.timezone),
        "band": {"floor": money(band[0], cur), "ceiling": money(band[1], cur)} if band else None,
        "markup_cap": money(row["cap_minor"], cur), "compliant": not row["problems"], "problems": row["problems"],
        "since": local_iso(row["since"], chamber.timezone),
    }


def settings_json(s: Any) -> dict[str, Any]:
    q, t = Fraction(s.quorum_num, s.quorum_den), Fraction(s.threshold_num, s.threshold_den)
    return {"weighting": s.weighting, "quorum": pct(q), "threshold": pct(t), "quorum_fraction": str(q),
            "threshold_fraction": str(t), "lookback_days": s.lookback_days,
            "max_markup_pct": float(s.max_markup_pct) if s.max_markup_pct is not None else None}


def joint_purchase_json(view: dict[str, Any], chamber: Chamber) -> dict[str, Any]:
    """Long: one line per field of the API's joint purchase shape."""
    cur = chamber.currency
    return {
        "items": [{
            "product_id": i["product_id"], "product": i["product"], "total_quantity": i["total_quantity"],
            "supplier": i["supplier"], "base_unit_price": money(i["base_unit_price_minor"], cur),
            "tiers": [{"min_quantity": q, "unit_price": money(u, cur)} for q, u in i["tiers"]],
            "unit_price": money(i["unit_price_minor"], cur), "total": money(i["total_minor"], cur),
            "delivery_notes": i["delivery_notes"],
            "members": [{"member_id": m["member_id"], "business_name": m["business_name"], "quantity": m["quantity"],
                         "amount_due": money(m["amount_minor"], cur)} for m in i["members"]],
        } for i in view["items"]],
        "members": [{"member_id": m["member_id"], "business_name": m["business_name"],
                     "amount_due": money(m["amount_minor"], cur), "recorded": money(m["recorded_minor"], cur)}
                    for m in view["members"]],
        "total": money(view["total_minor"], cur), "recorded_total": money(view["recorded_total_minor"], cur),
    }


# --------------------------------------------------------------------------- loaders


def _viewer_members(campaign: Campaign) -> list[int]:
    user = token_user(optional=True)
    return [m.id for m in queries.participant_businesses(get_session(), campaign, user)] if user else []


# --------------------------------------------------------------------------- settings and catalogue


def get_settings(slug: str) -> Any:
    chamber = load_chamber(slug, role="member")
    return jsonify(settings_json(queries.get_settings(get_session(), chamber)))


def put_settings(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    data = dict(json_body())
    for key in ("quorum", "threshold"):  # percentages are JSON numbers; "2/3" is welcome as a string
        if isinstance(data.get(key), (int, float)) and not isinstance(data.get(key), bool):
            data[key] = repr(data[key])
    form: SettingsForm = validate_json(SettingsForm, data=data)
    session = get_session()
    row = ops.update_settings(session, chamber, **form.settings_fields())
    return jsonify(settings_json(row))


def list_products(slug: str) -> Any:
    chamber = load_chamber(slug, role="member")
    return jsonify(items=[product_json(p, chamber.currency) for p in queries.list_products(get_session(), chamber)])


def create_product(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form: ProductForm = validate_json(ProductForm, currency=chamber.currency)
    session = get_session()
    product = ops.create_product(session, chamber, **form.product_fields())
    return jsonify(product_json(product, chamber.currency)), 201


def product_image(slug: str, product_id: int) -> Any:
    chamber = load_chamber(slug)
    image = queries.product_image(get_session(), chamber, product_id)
    if image is None:
        fail(404, _("There is nothing here."))
    resp = Response(image[1], mimetype=image[0])
    resp.headers["Content-Security-Policy"] = "sandbox"
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


# --------------------------------------------------------------------------- listed prices and compliance


def put_price(slug: str, key: str, product_id: int) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    product = load_product(chamber, product_id)
    form: PriceForm = validate_json(PriceForm, currency=chamber.currency)
    session = get_session()
    member = queries.participant_business(session, campaign, token_user(), form.member_id.data)
    result = ops.list_price(session, campaign, member, product, **form.price_fields())
    listing = result["listing"]
    return jsonify(compliant=result["compliant"], problems=result["problems"], product_id=product.id,
                   member_id=member.id, price=money(listing.price_minor, chamber.currency),
                   original_price=money(listing.original_price_minor, chamber.currency),
                   listed_at=local_iso(listing.listed_at, chamber.timezone))


def my_prices(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    rows = queries.member_prices(get_session(), campaign, _viewer_members(campaign))
    return jsonify(items=[listing_json(r, chamber) for r in rows])


def compliance(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    report = queries.compliance_report(get_session(), campaign)
    return jsonify(items=[listing_json(r, chamber) for r in report["rows"]], violations=report["violations"])


def alliance_prices(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key)
    cur = chamber.currency
    return jsonify(items=[
        {"product_id": i["product_id"], "name": i["name"], "unit": i["unit"], "price": money(i["price_minor"], cur),
         "floor": money(i["floor_minor"], cur), "ceiling": money(i["ceiling_minor"], cur),
         "adopted_at": local_iso(i["adopted_at"], chamber.timezone), "proposal_id": i["proposal_id"]}
        for i in presenters.alliance_price_items(get_session(), campaign)
    ])


# --------------------------------------------------------------------------- proposals and votes


def create_proposal(slug: str, key: str) -> Any:
    """Long: the proposal body's product and band are checked against the catalogue before the operation."""
    chamber, campaign = load_campaign(slug, key, role="member")
    form: ProposalForm = validate_json(ProposalForm, currency=chamber.currency, timezone=chamber.timezone)
    session = get_session()
    product = queries.get_product(session, chamber.id, form.product_id.data)
    if product is None:
        raise ApiError(400, _("There is no such product."), fields={"product_id": _("There is no such product.")})
    user = token_user()
    if chamber_role(chamber) != "organizer":
        queries.participant_business(session, campaign, user)
    proposal = ops.propose_price(session, campaign, user, product, **form.proposal_fields())
    body = proposal_json(presenters.proposal_view(session, proposal), chamber)
    return jsonify(body), 201


def list_proposals(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    session = get_session()
    mine = _viewer_members(campaign)
    return jsonify(items=[proposal_json(presenters.proposal_view(session, p, mine), chamber)
                          for p in queries.list_proposals(session, campaign)])


def get_proposal(slug: str, proposal_id: int) -> Any:
    chamber, proposal, campaign = load_proposal(slug, proposal_id)
    session = get_session()
    return jsonify(proposal_json(presenters.proposal_view(session, proposal, _viewer_members(campaign)), chamber))


def put_vote(slug: str, proposal_id: int) -> Any:
    chamber, proposal, campaign = load_proposal(slug, proposal_id)
    form = validate_json(VoteForm)
    session = get_session()
    member = queries.participant_business(session, campaign, token_user(), form.member_id.data)
    vote = ops.cast_vote(session, proposal, member, form.choice.data)
    return jsonify(proposal_id=proposal.id, member_id=vote.member_id, choice=vote.choice,
                   updated_at=local_iso(vote.updated_at, chamber.timezone))


def close_proposal(slug: str, proposal_id: int) -> Any:
    chamber, proposal, _campaign = load_proposal(slug, proposal_id, role="organizer")
    session = get_session()
    proposal = ops.close_proposal(session, proposal, token_user())
    return jsonify(proposal_json(presenters.proposal_view(session, proposal), chamber))


def notices(slug: str) -> Any:
    """The caller's alliance messages from their inbox (vote reminders, results), newest first."""
    chamber = load_chamber(slug, role="member")
    return jsonify(items=[{"kind": n.kind.split(".", 1)[1], "title": n.title, "message": n.summary, "link": n.link,
                           "read": n.read_at is not None, "created_at": local_iso(n.created_at, chamber.timezone)}
                          for n in queries.notices_for(get_session(), chamber, token_user().id)])


# --------------------------------------------------------------------------- joint purchasing


def put_demand(slug: str, key: str, product_id: int) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    product = load_product(chamber, product_id)
    form = validate_json(DemandForm)
    session = get_session()
    member = queries.participant_business(session, campaign, token_user(), form.member_id.data)
    row = ops.set_demand(session, campaign, member, product, form.quantity.data)
    return jsonify(product_id=product.id, member_id=member.id, quantity=row.quantity)


def delete_demand(slug: str, key: str, product_id: int) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    product = load_product(chamber, product_id)
    session = get_session()
    member = queries.participant_business(session, campaign, token_user(), request.args.get("member_id"))
    ops.remove_demand(session, campaign, member, product)
    return Response(status=204)


def put_supplier_price(slug: str, key: str, product_id: int) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    product = load_product(chamber, product_id)
    form: SupplierPriceForm = validate_json(SupplierPriceForm, currency=chamber.currency)
    session = get_session()
    ops.set_supplier_price(session, campaign, product, **form.supplier_price_fields())
    return jsonify(joint_purchase_json(presenters.joint_purchase_view(session, campaign), chamber))


def joint_purchase(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    return jsonify(joint_purchase_json(presenters.joint_purchase_view(get_session(), campaign), chamber))


def record_dues(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    session = get_session()
    written = ops.record_dues(session, campaign, token_user())
    body = joint_purchase_json(presenters.joint_purchase_view(session, campaign), chamber)
    body["entries_written"] = written
    return jsonify(body), 201

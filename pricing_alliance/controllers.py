"""Pages of the pricing alliance: thin views (parse, load with access, one operation, render or redirect).

The same forms and operations as the JSON API (api.py). Bad input re-renders the page with the
message by the field (400); a refused move shows its message (409); a page of a campaign the
user's business does not take part in is a 404, as in the API.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage

from campaigns.loading import load_campaign, render_campaign
from campaigns.models import Campaign
from campaigns.presenters import campaign_data
from chamber.db import get_session, utcnow
from chamber.errors import Conflict, Invalid
from chamber.images import image_type
from chamber.models import Chamber
from chamber.rules import format_money, megabytes
from chamber.web import chamber_role, load_chamber, operation_failed

from . import labels, presenters, queries, rules
from . import operations as ops
from .forms import DemandForm, PriceForm, ProductForm, ProposalForm, SettingsForm, SupplierPriceForm, VoteForm
from .loading import load_product, load_proposal
from .models import IMAGE_TYPES, MAX_IMAGE

# --------------------------------------------------------------------------- helpers


def _image(upload: Any) -> tuple[str, bytes] | None:
    """A product image upload: JPEG or PNG (by content) up to MAX_IMAGE; Invalid otherwise."""
    if not isinstance(upload, FileStorage):
        return None
    data = upload.stream.read(MAX_IMAGE + 1)
    if not data and not upload.filename:
        return None
    if len(data) > MAX_IMAGE:
        raise Invalid(_("The image is too large: at most %(size)s.", size=megabytes(MAX_IMAGE)), field="image")
    kind = image_type(data, IMAGE_TYPES)
    if kind is None:
        raise Invalid(_("The image must be a JPEG or PNG file."), field="image")
    return kind, data


def _local(value: dt.datetime, timezone: str) -> dt.datetime:
    return value.astimezone(ZoneInfo(timezone))


# --------------------------------------------------------------------------- the chamber's alliance


@login_required
def home(slug: str) -> Any:
    """The chamber's alliance: its active campaigns, the catalogue, the member's notices."""
    chamber = load_chamber(slug, role="member")
    session = get_session()
    campaigns = [campaign_data(session, c) for c in queries.active_campaigns(session, chamber)]
    return render_template("pricing_alliance/home.html", chamber=chamber, campaigns=campaigns,
                           products=queries.list_products(session, chamber),
                           notices=queries.notices_for(session, chamber, current_user.id),
                           settings=queries.get_settings(session, chamber),
                           organizer=chamber_role(chamber) == "organizer")


@login_required
def add_product(slug: str) -> Any:
    """Long: the product form with its optional image upload."""
    chamber = load_chamber(slug, role="organizer")
    form = ProductForm(currency=chamber.currency)
    status = 200
    if form.validate_on_submit():
        session = get_session()
        try:
            product = ops.create_product(session, chamber, **form.product_fields(), image=_image(form.image.data))
        except (Conflict, Invalid) as err:
            status = operation_failed(err, form)
        else:
            flash(_("%(name)s %(unit)s is in the catalogue.", name=product.name, unit=product.unit), "success")
            return redirect(url_for("pricing_alliance.home", slug=chamber.slug))
    elif form.errors:
        status = 400
    return render_template("pricing_alliance/product_form.html", chamber=chamber, form=form), status


def product_image(slug: str, product_id: int) -> Any:
    from .api import product_image as serve

    return serve(slug, product_id)


@login_required
def settings(slug: str) -> Any:
    """Long: the alliance rules form, prefilled from the stored settings."""
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    current = queries.get_settings(session, chamber)
    data = None
    if request.method != "POST":
        from fractions import Fraction

        from .rules import format_share

        data = {"weighting": current.weighting,
                "quorum": format_share(Fraction(current.quorum_num, current.quorum_den)).rstrip("%"),
                "threshold": format_share(Fraction(current.threshold_num, current.threshold_den)).rstrip("%"),
                "lookback_days": current.lookback_days, "max_markup_pct": current.max_markup_pct}
    form = SettingsForm(data=data)
    status = 200
    if form.validate_on_submit():
        try:
            ops.update_settings(session, chamber, **form.settings_fields())
        except (Conflict, Invalid) as err:
            status = operation_failed(err, form)
        else:
            flash(_("The alliance rules are saved. Open proposals keep the rules they were made under."), "success")
            return redirect(url_for("pricing_alliance.home", slug=chamber.slug))
    elif form.errors:
        status = 400
    return render_template("pricing_alliance/settings.html", chamber=chamber, form=form), status


# --------------------------------------------------------------------------- a campaign's prices


def _campaign_page(chamber: Chamber, campaign: Campaign, *, price_forms: dict[tuple[int, int], PriceForm] | None = None,
                   demand_forms: dict[tuple[int, int], DemandForm] | None = None, status: int = 200) -> Any:
    """The campaign's alliance page: alliance prices, proposals, and for each of the user's participating
    businesses its prices (with problems) and demand, each product with its own small forms.
    Long: the alliance page gathers each business's listed prices, demand and votes."""
    session = get_session()
    businesses = queries.participant_businesses(session, campaign, current_user)
    products = queries.list_products(session, chamber)
    mine = queries.member_prices(session, campaign, [m.id for m in businesses]) if businesses else []
    listed = {(r["member_id"], r["product_id"]): r for r in mine}
    demand = queries.demand_of(session, campaign, [m.id for m in businesses])
    price_forms = dict(price_forms or {})
    demand_forms = dict(demand_forms or {})
    for m in businesses:
        for p in products:
            row = listed.get((m.id, p.id))
            if (m.id, p.id) not in price_forms:
                price_forms[(m.id, p.id)] = PriceForm(formdata=None, data={
                    "price": format_money(row["price_minor"], chamber.currency) if row else "", "member_id": m.id})
            if (m.id, p.id) not in demand_forms:
                demand_forms[(m.id, p.id)] = DemandForm(formdata=None, data={"quantity": demand.get((m.id, p.id)),
                                                                             "member_id": m.id})
    proposals = queries.list_proposals(session, campaign)
    views = [presenters.proposal_view(session, p, [m.id for m in businesses]) for p in proposals]
    return render_campaign(
        "pricing_alliance/campaign.html", chamber, campaign, businesses=businesses,
        products=products, listed=listed, price_forms=price_forms, demand_forms=demand_forms,
        alliance_prices=presenters.alliance_price_items(session, campaign), proposals=views,
        organizer=chamber_role(chamber) == "organizer", active=campaign.status in rules.ACTIVE_CAMPAIGN_STATUSES,
    ), status


@login_required
def campaign(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="member")
    return _campaign_page(chamber, campaign)


@login_required
def list_price(slug: str, key: str, product_id: int) -> Any:
    """Long: the price form shows the alliance band and the member's current listing beside it."""
    chamber, campaign = load_campaign(slug, key, role="member")
    product = load_product(chamber, product_id)
    form = PriceForm(currency=chamber.currency)
    session = get_session()
    if form.validate_on_submit():
        try:
            member = queries.participant_business(session, campaign, current_user, form.member_id.data)
            result = ops.list_price(session, campaign, member, product, **form.price_fields())
        except (Conflict, Invalid) as err:
            if err.status == 404:
                abort(404)
            status = operation_failed(err, form, field="price")
        else:
            if result["compliant"]:
                flash(_("Your price for %(product)s is saved.", product=f"{product.name} {product.unit}"), "success")
            else:
                flash(_("Your price for %(product)s is saved, but it does not keep to the alliance: %(problems)s",
                        product=f"{product.name} {product.unit}",
                        problems=", ".join(labels.problems()[p] for p in result["problems"])), "error")
            return redirect(url_for("pricing_alliance.campaign", slug=chamber.slug,
                                    key=campaign.slug) + f"#p{product.id}")
    else:
        status = 400
    member_id = form.member_id.data if isinstance(form.member_id.data, int) else 0
    return _campaign_page(chamber, campaign, price_forms={(member_id, product.id): form}, status=status)


@login_required
def set_demand(slug: str, key: str, product_id: int) -> Any:
    """Long: the demand form for one product, with the member's current demand and the joint total."""
    chamber, campaign = load_campaign(slug, key, role="member")
    product = load_product(chamber, product_id)
    form = DemandForm()
    session = get_session()
    if form.validate_on_submit():
        try:
            member = queries.participant_business(session, campaign, current_user, form.member_id.data)
            ops.set_demand(session, campaign, member, product, form.quantity.data)
        except (Conflict, Invalid) as err:
            if err.status == 404:
                abort(404)
            status = operation_failed(err, form, field="quantity")
        else:
            flash(_("You will buy %(n)s × %(product)s through the joint purchase.", n=form.quantity.data,
                    product=f"{product.name} {product.unit}"), "success")
            return redirect(url_for("pricing_alliance.campaign", slug=chamber.slug,
                                    key=campaign.slug) + f"#p{product.id}")
    else:
        status = 400
    member_id = form.member_id.data if isinstance(form.member_id.data, int) else 0
    return _campaign_page(chamber, campaign, demand_forms={(member_id, product.id): form}, status=status)


# --------------------------------------------------------------------------- proposals


@login_required
def propose(slug: str, key: str) -> Any:
    """Long: the proposal form is prefilled (product from the link, closing time in the chamber's zone) and lists the
    products."""
    chamber, campaign = load_campaign(slug, key, role="member")
    session = get_session()
    organizer = chamber_role(chamber) == "organizer"
    if not organizer and not queries.participant_businesses(session, campaign, current_user):
        abort(404)
    products = queries.list_products(session, chamber)
    data = None
    if request.method != "POST":
        data = {"product_id": request.args.get("product_id", type=int),
                "closes_at": _local(utcnow() + dt.timedelta(days=3), chamber.timezone).replace(second=0, microsecond=0)}
    form = ProposalForm(data=data, currency=chamber.currency, timezone=chamber.timezone)
    status = 200
    if form.validate_on_submit():
        product = queries.get_product(session, chamber.id, form.product_id.data)
        try:
            if product is None:
                raise Invalid(_("There is no such product."), field="product_id")
            proposal = ops.propose_price(session, campaign, current_user, product, **form.proposal_fields())
        except (Conflict, Invalid) as err:
            status = operation_failed(err, form)
        else:
            flash(_("The proposal is open for votes."), "success")
            return redirect(url_for("pricing_alliance.proposal", slug=chamber.slug, proposal_id=proposal.id))
    elif form.errors:
        status = 400
    return render_campaign("pricing_alliance/propose.html", chamber, campaign, form=form,
                           products=products), status


def _proposal_page(chamber: Chamber, proposal: Any, campaign: Campaign, *, vote_form: VoteForm | None = None,
                   error: str | None = None, status: int = 200) -> Any:
    session = get_session()
    businesses = queries.participant_businesses(session, campaign, current_user)
    view = presenters.proposal_view(session, proposal, [m.id for m in businesses])
    organizer = chamber_role(chamber) == "organizer"
    everyone_voted = view["status"] == "open" and view["tally"]["voters"] >= view["tally"]["eligible"] > 0
    return render_campaign(
        "pricing_alliance/proposal.html", chamber, campaign, p=view, businesses=businesses,
        vote_form=vote_form or VoteForm(formdata=None), organizer=organizer, error=error,
        can_close=organizer and view["status"] == "open" and (everyone_voted or utcnow() >= proposal.closes_at),
    ), status


@login_required
def proposal(slug: str, proposal_id: int) -> Any:
    chamber, proposal, campaign = load_proposal(slug, proposal_id)
    return _proposal_page(chamber, proposal, campaign)


@login_required
def vote(slug: str, proposal_id: int) -> Any:
    """Long: the vote form answers on the proposal page, with 404 for a proposal the member cannot vote on."""
    chamber, proposal, campaign = load_proposal(slug, proposal_id)
    form = VoteForm()
    session = get_session()
    if form.validate_on_submit():
        try:
            member = queries.participant_business(session, campaign, current_user, form.member_id.data)
            ops.cast_vote(session, proposal, member, form.choice.data)
        except (Conflict, Invalid) as err:
            if err.status == 404:
                abort(404)
            status = operation_failed(err, form, field="choice")
        else:
            flash(_("Your vote is counted. You can change it until voting closes."), "success")
            return redirect(url_for("pricing_alliance.proposal", slug=chamber.slug, proposal_id=proposal.id))
    else:
        status = 400
    return _proposal_page(chamber, proposal, campaign, vote_form=form, status=status)


@login_required
def close(slug: str, proposal_id: int) -> Any:
    chamber, proposal, campaign = load_proposal(slug, proposal_id, role="organizer")
    session = get_session()
    try:
        proposal = ops.close_proposal(session, proposal, current_user)
    except (Conflict, Invalid) as err:
        operation_failed(err)
        return _proposal_page(chamber, proposal, campaign, error=err.message, status=409)
    flash(_("The proposal is closed: %(result)s.", result=labels.statuses()[proposal.status]), "success")
    return redirect(url_for("pricing_alliance.proposal", slug=chamber.slug, proposal_id=proposal.id))


# --------------------------------------------------------------------------- organizers: compliance, joint purchase


@login_required
def compliance(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    report = queries.compliance_report(get_session(), campaign)
    problems = [r for r in report["rows"] if r["problems"]]
    return render_campaign("pricing_alliance/compliance.html", chamber, campaign, problems=problems,
                           compliant=len(report["rows"]) - len(problems))


def _joint_purchase_page(chamber: Chamber, campaign: Campaign, *, error: str | None = None, status: int = 200) -> Any:
    view = presenters.joint_purchase_view(get_session(), campaign)
    return render_campaign("pricing_alliance/joint_purchase.html", chamber, campaign, jp=view,
                           products=queries.list_products(get_session(), chamber), error=error), status


@login_required
def joint_purchase(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    return _joint_purchase_page(chamber, campaign)


@login_required
def supplier_price(slug: str, key: str, product_id: int) -> Any:
    """Long: the supplier price form with up to three volume tiers, prefilled from the current price."""
    chamber, campaign = load_campaign(slug, key, role="organizer")
    product = load_product(chamber, product_id)
    session = get_session()
    current = queries.supplier_price(session, campaign, product.id)
    data = None
    if request.method != "POST" and current is not None:
        data = {"supplier": current.supplier, "unit_price": format_money(current.unit_price_minor, chamber.currency),
                "delivery_notes": current.delivery_notes,
                "tiers": [{"min_quantity": q, "unit_price": format_money(u, chamber.currency)}
                          for q, u in queries.volume_tiers(session, current)]}
    form = SupplierPriceForm(data=data, currency=chamber.currency)  # its tiers get it when validated
    while len(form.tiers) < 3 and request.method != "POST":
        form.tiers.append_entry()
    status = 200
    if form.validate_on_submit():
        try:
            ops.set_supplier_price(session, campaign, product, **form.supplier_price_fields())
        except (Conflict, Invalid) as err:
            status = operation_failed(err, form)
        else:
            flash(_("The supplier price of %(product)s is saved.", product=f"{product.name} {product.unit}"), "success")
            return redirect(url_for("pricing_alliance.joint_purchase", slug=chamber.slug, key=campaign.slug))
    elif form.errors:
        status = 400
    return render_campaign("pricing_alliance/supplier_price.html", chamber, campaign,
                           product=product, form=form), status


@login_required
def record_dues(slug: str, key: str) -> Any:
    chamber, campaign = load_campaign(slug, key, role="organizer")
    session = get_session()
    try:
        written = ops.record_dues(session, campaign, current_user)
    except (Conflict, Invalid) as err:
        operation_failed(err)
        return _joint_purchase_page(chamber, campaign, error=err.message, status=409)
    flash(_("The amounts due are on the joint-purchase account (%(n)s new entries).", n=written), "success")
    return redirect(url_for("pricing_alliance.joint_purchase", slug=chamber.slug, key=campaign.slug))


# --------------------------------------------------------------------------- labels and hooks


def dashboard_notices(chamber: Chamber) -> list[Any]:
    """For the member dashboard's hook: the logged-in user's inbox messages from the alliance."""
    if not current_user.is_authenticated:
        return []
    return queries.notices_for(get_session(), chamber, current_user.id, 5)


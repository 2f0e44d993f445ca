"""Chamber pages: home, create, public page and directory, apply, dashboards, vetting, tiers."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts.forms import EmptyForm
from ..caching import public_cache
from ..db import get_session
from ..errors import Conflict, Invalid
from ..rules import format_money, plain_decimal
from ..trust import queries as trust_queries
from ..web import chamber_role, fail, load_chamber, not_for_you, operation_failed
from . import operations as ops
from .forms import MAX_TIERS, ApplicationForm, ChamberForm, DecisionForm, ProfileForm, TiersForm


def home() -> Any:
    session = get_session()
    mine = ops.chambers_of(session, current_user) if current_user.is_authenticated else []
    return render_template("chambers/home.html", chambers=ops.list_chambers(session), mine=mine)


@login_required
def create() -> Any:
    form = ChamberForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            chamber = ops.create_chamber(session, current_user, **form.chamber_fields())
        except Conflict as err:
            operation_failed(err, form, field="slug")
        else:
            flash(_("Your chamber is created. Next: check the size tiers, then invite merchants to apply."), "success")
            return redirect(url_for("chambers.manage", slug=chamber.slug))
    return render_template("chambers/create.html", form=form), 400 if form.errors else 200


@public_cache
def public_page(slug: str) -> Any:
    chamber = load_chamber(slug)
    session = get_session()
    return render_template(
        "chambers/public.html",
        chamber=chamber,
        public_page=True,
        complaints=trust_queries.complaint_stats(session, chamber.id),
        member_count=ops.member_count(session, chamber),
        tiers=ops.list_tiers(session, chamber),
        role=chamber_role(chamber),
        own=ops.own_memberships(session, chamber, current_user) if current_user.is_authenticated else [],
    )


def directory(slug: str) -> Any:
    """Members by name, a page at a time, searchable by name (and, for members, by tier).

    Tiers (the size a campaign budget is shared by) are the members' business: visitors see
    names, verification and shop links only.

    Long: search, paging and what visitors, members and organizers may each see.
    """
    chamber = load_chamber(slug)
    session = get_session()
    role = chamber_role(chamber)
    organizer = role == "organizer"
    statuses = ("approved", "pending", "suspended", "rejected") if organizer else ("approved",)
    query = request.args.get("q", "")[:120]
    tiers = ops.list_tiers(session, chamber) if role else []
    tier_key = request.args.get("tier", "") if role else ""
    tier_key = tier_key if any(t.key == tier_key for t in tiers) else ""
    members, total, page = ops.directory_page(session, chamber, statuses, query=query, tier_key=tier_key,
                                              page=request.args.get("page", 1, type=int))
    filters = {k: v for k, v in (("q", query.strip()), ("tier", tier_key)) if v}
    return render_template(
        "chambers/directory.html",
        chamber=chamber,
        members=members,
        total=total,
        page=page,
        pages=max(1, -(-total // ops.DIRECTORY_PAGE)),
        query=query,
        tiers=tiers,
        tier_key=tier_key,
        filters=filters,
        show_tiers=role is not None,
        organizer=organizer,
    )


def _previous_application(chamber: Any) -> dict[str, Any] | None:
    """The user's rejected application to fill the form with (``?again=<member id>``, else the latest)."""
    rejected = [m for m in ops.own_memberships(get_session(), chamber, current_user) if m.status == "rejected"]
    again = request.args.get("again", type=int)
    chosen = [m for m in rejected if m.id == again] or sorted(rejected, key=lambda m: (m.applied_at, m.id))[-1:]
    if not chosen:
        return None
    m = chosen[0]
    return {"business_name": m.business_name, "uscc": m.uscc, "contact_name": m.contact_name, "phone": m.phone,
            "shop_url": m.shop_url, "annual_revenue": format_money(m.annual_revenue_minor, chamber.currency)}


@login_required
def apply(slug: str) -> Any:
    chamber = load_chamber(slug)
    form = ApplicationForm(data=_previous_application(chamber) if request.method != "POST" else None,
                           currency=chamber.currency)
    if form.validate_on_submit():
        session = get_session()
        try:
            ops.apply_for_membership(session, chamber, current_user, **form.application_fields())
        except Conflict as err:
            operation_failed(err, form, field="uscc")
        else:
            flash(_("Your application is sent. The organizers will check your business registration."), "success")
            return redirect(url_for("chambers.dashboard", slug=chamber.slug))
    return render_template("chambers/apply.html", chamber=chamber, form=form), 400 if form.errors else 200


@login_required
def profile(slug: str) -> Any:
    """A merchant's public profile (shop link, WeChat ID): what shoppers see on the chamber's pages.

    Long: organizers may edit any member's profile, members only their own business."""
    chamber = load_chamber(slug)
    session = get_session()
    asked = request.values.get("member_id", type=int)
    member = ops.profile_member(session, chamber, current_user, asked)
    if member is None:
        if chamber_role(chamber) is None or asked is not None:
            abort(404)
        fail(403, _("Only a member business has a public profile; yours is not approved here."))
    form = ProfileForm(obj=member if request.method == "GET" else None, member_id=member.id)
    if form.validate_on_submit():
        ops.update_profile(session, member, shop_url=form.shop_url.data or "", wechat_id=form.wechat_id.data or "")
        flash(_("Your public profile is saved. Shoppers see it on the chamber's pages."), "success")
        return redirect(url_for("chambers.dashboard", slug=chamber.slug))
    return render_template("chambers/profile.html", chamber=chamber, member=member, form=form), (
        400 if form.errors else 200
    )


@login_required
def dashboard(slug: str) -> Any:
    chamber = load_chamber(slug)
    session = get_session()
    own = ops.own_memberships(session, chamber, current_user)
    role = chamber_role(chamber)
    if not own and role is None:
        not_for_you(chamber)
    approved = [m.id for m in own if m.status == "approved"]
    awaiting = (trust_queries.open_complaint_counts(session, chamber.id, approved)["awaiting_response"]
                if approved else 0)
    return render_template("chambers/dashboard.html", chamber=chamber, own=own, role=role,
                           member_count=ops.member_count(session, chamber), complaints_awaiting=awaiting)


@login_required
def manage(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    members = ops.list_members(session, chamber, ("pending", "approved", "suspended", "rejected"))
    return render_template(
        "chambers/manage.html",
        chamber=chamber,
        pending=[m for m in members if m.status == "pending"],
        members=[m for m in members if m.status != "pending"],
        tiers=ops.list_tiers(session, chamber),
        organizers=ops.list_organizers(session, chamber),
        complaints=trust_queries.open_complaint_counts(session, chamber.id),
        form=EmptyForm(),
    )


@login_required
def member_detail(slug: str, member_id: int) -> Any:
    """Long: the membership decision form with the tier, and the organizer actions of the member page."""
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    member = ops.get_member(session, chamber, member_id)
    if member is None:
        abort(404)
    form = DecisionForm()
    form.tier.data = form.tier.data or (member.tier.key if member.tier else "")
    if form.validate_on_submit():
        try:
            ops.decide_membership(session, chamber, member, form.decision.data, form.tier.data, form.reason.data or "",
                                  current_user)
        except (Conflict, Invalid) as err:
            operation_failed(err, form, field="decision")
        else:
            flash(_("Decision saved for %(name)s.", name=member.business_name), "success")
            return redirect(url_for("chambers.manage", slug=chamber.slug))
    return render_template(
        "chambers/member.html", chamber=chamber, member=member, form=form,
        tiers=ops.list_tiers(session, chamber), organizer_form=EmptyForm(),
        is_organizer=chamber_role(chamber, member.user) == "organizer",
    ), 400 if form.errors else 200


@login_required
def promote(slug: str, member_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    member = ops.get_member(session, chamber, member_id)
    if member is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        try:
            ops.make_organizer(session, chamber, member, current_user)
        except Conflict as err:
            operation_failed(err, flash_it=True)
        else:
            flash(_("%(name)s is now an organizer.", name=member.user.display_name), "success")
    return redirect(url_for("chambers.member_detail", slug=chamber.slug, member_id=member.id))


@login_required
def demote(slug: str, user_id: int) -> Any:
    """Confirm (GET) and take (POST) an organizer's rights.

    Long: confirms (GET) and takes (POST) the rights, answering differently when organizers demote themselves."""
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    organizer = ops.get_organizer(session, chamber, user_id)
    if organizer is None:
        abort(404)
    form = EmptyForm()
    status = 200
    if form.validate_on_submit():
        name = organizer.user.display_name
        try:
            ops.remove_organizer(session, chamber, user_id)
        except Conflict as err:
            status = operation_failed(err, form)
        else:
            flash(_("%(name)s is no longer an organizer.", name=name), "success")
            if user_id == current_user.id:
                return redirect(url_for("chambers.public_page", slug=chamber.slug))
            return redirect(url_for("chambers.manage", slug=chamber.slug))
    return render_template("chambers/demote.html", chamber=chamber, organizer=organizer, form=form,
                           yourself=user_id == current_user.id), status


@login_required
def tiers(slug: str) -> Any:
    """Long: rows left empty are removed, and a refused save comes back exactly as sent."""
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    current = ops.list_tiers(session, chamber)
    if request.method == "POST":
        form = TiersForm()
        # rows whose name and weight are empty are not tiers (that is how one is removed); the form
        # keeps every row as submitted, so a refused save comes back exactly as it was sent
        submitted = form.items.entries
        form.items.entries = [row for row in submitted if row.form.name.data or row.form.weight.data]
        valid = form.validate()
        rows, form.items.entries = form.items.entries, submitted
        if valid:
            try:
                tiers = [(r.form.key.data or None, r.form.name.data, r.form.weight.weight) for r in rows]
                ops.set_tiers(session, chamber, tiers)
            except Conflict as err:
                operation_failed(err)
                form.items.errors = [err.message]
            else:
                flash(_("Tiers saved."), "success")
                return redirect(url_for("chambers.manage", slug=chamber.slug))
        status = 400
    else:
        items = [{"key": t.key, "name": t.name, "weight": plain_decimal(t.weight)} for t in current]
        form = TiersForm(data={"items": items})
        status = 200
    while len(form.items.entries) < len(current) + 2 and len(form.items.entries) < MAX_TIERS:
        form.items.append_entry()
    return render_template("chambers/tiers.html", chamber=chamber, form=form), status

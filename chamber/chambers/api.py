"""Chambers and members API."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext as _

from ..api import ApiError, local_iso, token_user, validate_json
from ..db import get_session
from ..models import Chamber, Member, Tier
from ..rules import format_money, plain_decimal
from ..trust import queries as trust_queries
from ..web import chamber_role, load_chamber
from . import operations as ops
from .forms import ApplicationForm, ChamberForm, DecisionForm, OrganizerForm, ProfileForm, TiersForm


def chamber_json(chamber: Chamber, member_count: int) -> dict[str, Any]:
    return {
        "slug": chamber.slug,
        "name": chamber.name,
        "kind": chamber.kind,
        "region": chamber.region,
        "currency": chamber.currency,
        "timezone": chamber.timezone,
        "description": chamber.description,
        "member_count": member_count,
    }


def tier_json(tier: Tier) -> dict[str, Any]:
    return {"key": tier.key, "name": tier.name, "weight": plain_decimal(tier.weight)}


def create_chamber() -> Any:
    user = token_user()
    form = validate_json(ChamberForm)
    session = get_session()
    chamber = ops.create_chamber(session, user, **form.chamber_fields())
    return jsonify(chamber_json(chamber, 0)), 201


def get_chamber(slug: str) -> Any:
    chamber = load_chamber(slug)
    return jsonify(chamber_json(chamber, ops.member_count(get_session(), chamber)))


def get_tiers(slug: str) -> Any:
    chamber = load_chamber(slug)
    return jsonify(items=[tier_json(t) for t in ops.list_tiers(get_session(), chamber)])


def put_tiers(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form = validate_json(TiersForm)
    session = get_session()
    tiers = ops.set_tiers(session, chamber, [(r.form.key.data or None, r.form.name.data, r.form.weight.weight)
                                             for r in form.items.entries])
    return jsonify(items=[tier_json(t) for t in tiers])


def create_application(slug: str) -> Any:
    user = token_user()
    chamber = load_chamber(slug)
    form = validate_json(ApplicationForm, currency=chamber.currency)
    session = get_session()
    member = ops.apply_for_membership(session, chamber, user, **form.application_fields())
    return jsonify(member_id=member.id, status=member.status), 201


def put_profile(slug: str) -> Any:
    user = token_user()
    chamber = load_chamber(slug)
    form = validate_json(ProfileForm)
    session = get_session()
    member = ops.profile_member(session, chamber, user, form.member_id.data)
    if member is None:
        if chamber_role(chamber) is None or form.member_id.data is not None:
            raise ApiError(404, _("There is no such member."))
        raise ApiError(403, _("Only a member business has a public profile; yours is not approved here."))
    ops.update_profile(session, member, shop_url=form.shop_url.data or "", wechat_id=form.wechat_id.data or "")
    return jsonify(member_id=member.id, shop_url=member.shop_url, wechat_id=member.wechat_id)


def decide(slug: str, member_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    member = ops.get_member(session, chamber, member_id)
    if member is None:
        raise ApiError(404, _("There is no such member."))
    form = validate_json(DecisionForm)
    ops.decide_membership(session, chamber, member, form.decision.data, form.tier.data, form.reason.data or "",
                          token_user())
    return jsonify(member_json(member, chamber, contact=True))


def add_organizer(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form = validate_json(OrganizerForm)
    session = get_session()
    member = ops.get_member(session, chamber, form.member_id.data)
    if member is None:
        raise ApiError(400, _("There is no such member."), fields={"member_id": _("There is no such member.")})
    ops.make_organizer(session, chamber, member, token_user())
    return jsonify(member_id=member.id, user_id=member.user_id, role="organizer"), 201


def list_organizers(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    return jsonify(items=[
        {"user_id": o.user_id, "display_name": o.user.display_name, "email": o.user.email,
         "granted_at": local_iso(o.granted_at, chamber.timezone)}
        for o in ops.list_organizers(get_session(), chamber)
    ])


def remove_organizer(slug: str, user_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    removed = ops.remove_organizer(session, chamber, user_id)
    if not removed:
        raise ApiError(404, _("There is no such organizer."))
    return "", 204


def member_json(
    member: Member, chamber: Chamber, contact: bool, *, tier: bool = True, credit_score: int | None = None
) -> dict[str, Any]:
    """A member as the API shows it; ``tier`` only to the chamber's members and organizers.

    Long: one line per field of the API's member shape."""
    data: dict[str, Any] = {
        "member_id": member.id,
        "business_name": member.business_name,
        "verified": member.status == "approved",
        # null until the first score is computed (chamber/trust: on approval, reviews, complaints)
        "credit_score": credit_score,
    }
    if tier or contact:
        data["tier"] = member.tier.key if member.tier else None
    if contact:
        data.update(
            status=member.status,
            uscc=member.uscc,
            contact_name=member.contact_name,
            phone=member.phone,
            shop_url=member.shop_url,
            annual_revenue=format_money(member.annual_revenue_minor, chamber.currency),
            reason=member.reason,
            applied_at=local_iso(member.applied_at, chamber.timezone),
        )
    return data


def list_members(slug: str) -> Any:
    chamber = load_chamber(slug)
    role = chamber_role(chamber)
    organizer = role == "organizer"
    statuses = ("approved", "pending", "suspended", "rejected") if organizer else ("approved",)
    session = get_session()
    members = ops.list_members(session, chamber, statuses)
    scores = trust_queries.current_scores(session, chamber.id)
    return jsonify(
        items=[
            member_json(m, chamber, contact=organizer, tier=role is not None, credit_score=_score(scores.get(m.id)))
            for m in members
        ]
    )


def _score(current: dict[str, Any] | None) -> int | None:
    return None if current is None else int(current["score"])

"""Trust API: the contract's public routes for reviews and complaints."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from ..api import ApiError, operation_error, validate_json
from ..db import get_session
from ..errors import Conflict, Invalid
from ..tokens import client_hash
from ..web import after_commit, load_chamber
from . import operations as ops
from . import queries
from .controllers import complaint_mail, review_mail, tracking_view
from .forms import ComplaintForm, ConfirmForm, ReviewForm


def _member(chamber: Any, member_id: Any, field: str | None = None) -> Any:
    member = queries.public_member(get_session(), chamber, member_id) if isinstance(member_id, int) else None
    if member is None:
        message = _("There is no such merchant in this chamber.")
        raise ApiError(404 if field is None else 400, message, fields={field: message} if field else None)
    return member


def _campaign(chamber: Any, key: str | None, required: bool) -> tuple[int, str] | None:
    if not key:
        if required:
            raise ApiError(400, _("Some fields are not valid."), fields={"campaign": _("This field is required.")})
        return None
    found = ops.find_campaign(get_session(), chamber, key)
    if found is None:
        message = _("There is no such campaign in this chamber.")
        raise ApiError(400, message, fields={"campaign": message})
    return found


def create_review(slug: str, member_id: int) -> Any:
    """Long: the review's campaign and merchant are checked against the chamber before the operation, then the mail
    waits for the commit."""
    chamber = load_chamber(slug)
    member = _member(chamber, member_id)
    form = validate_json(ReviewForm)
    campaign = _campaign(chamber, form.campaign.data, required=True)
    assert campaign is not None  # required=True has answered 400 already
    session = get_session()
    review, token = ops.submit_review(
        session,
        chamber,
        member,
        campaign,
        **form.review_fields(),
        ip_hash=client_hash(request.remote_addr or ""),
    )
    after_commit(lambda: review_mail(chamber, member, review, token))
    return jsonify(
        status="pending_confirmation", message=_("Check your email and follow the link to publish the review.")
    ), 202


def confirm_review(slug: str) -> Any:
    chamber = load_chamber(slug)
    form = validate_json(ConfirmForm)
    session = get_session()
    try:
        review = ops.confirm_review(session, form.token.data)
    except Invalid as err:
        raise ApiError(404, err.message) from None
    if review.chamber_id != chamber.id:
        raise ApiError(404, _("This confirmation link is not valid."))
    return jsonify(
        status="published",
        review_id=review.id,
        url=url_for("trust.merchant_page", slug=chamber.slug, member_id=review.member_id),
    )


def create_complaint(slug: str) -> Any:
    """Long: JSON or multipart with evidence, checked against the chamber, then the mail waits for the commit."""
    chamber = load_chamber(slug)
    form = validate_json(ComplaintForm)
    member = _member(chamber, form.member_id.data, field="member_id")
    campaign = _campaign(chamber, form.campaign.data, required=False)
    session = get_session()
    try:
        complaint = ops.submit_complaint(
            session,
            chamber,
            member,
            campaign,
            **form.complaint_fields(),
            ip_hash=client_hash(request.remote_addr or ""),
        )
    except (Conflict, Invalid) as err:
        raise operation_error(err, rename={"email": "contact_email"}) from None
    after_commit(lambda: complaint_mail(chamber, member.business_name, complaint, "submitted"))
    return jsonify(
        tracking_code=complaint.tracking_code,
        url=url_for("trust.tracking", code=complaint.tracking_code, _external=True),
    ), 201


def get_complaint(code: str) -> Any:
    data = tracking_view(code)
    if data is None:
        raise ApiError(404, _("There is no complaint with this tracking code."))
    return jsonify(data)

"""Routes of trust: merchant pages, reviews, complaints (pages and the contract's public API)."""

from flask import Blueprint

from ..api import api_route
from . import api
from . import controllers as c
from .forms import ComplaintForm, ConfirmForm, ReviewForm

bp = Blueprint("trust", __name__)
GP = ["GET", "POST"]

bp.add_url_rule("/c/<slug>/m/<int:member_id>", "merchant_page", c.merchant_page)
bp.add_url_rule("/c/<slug>/m/<int:member_id>/review", "write_review", c.write_review, methods=GP)
bp.add_url_rule("/c/<slug>/reviews/confirm/<token>", "confirm", c.confirm, methods=GP)
bp.add_url_rule("/c/<slug>/complaints/new", "new_complaint", c.new_complaint, methods=GP)
bp.add_url_rule("/complaints/<code>", "tracking", c.tracking)
bp.add_url_rule("/chambers/<slug>/trust", "desk", c.desk)
bp.add_url_rule("/chambers/<slug>/trust/settings", "settings", c.settings, methods=["POST"])
bp.add_url_rule("/chambers/<slug>/trust/reviews/<int:review_id>/reply", "reply", c.reply, methods=["POST"])
bp.add_url_rule("/chambers/<slug>/trust/reviews/<int:review_id>/hide", "hide", c.hide, methods=["POST"])
bp.add_url_rule("/chambers/<slug>/trust/complaints/<int:complaint_id>/respond", "respond", c.respond, methods=["POST"])
bp.add_url_rule("/chambers/<slug>/trust/complaints/<int:complaint_id>/decide", "decide", c.decide, methods=["POST"])
bp.add_url_rule("/chambers/<slug>/trust/complaints/<int:complaint_id>/evidence", "evidence", c.evidence)

api_route(
    bp,
    "/chambers/<slug>/members/<int:member_id>/reviews",
    ["POST"],
    auth="public",
    form=ReviewForm,
    summary="Review a merchant for a campaign: {rating: 1..5, text, email, campaign (its slug)}. Nothing is "
    "published until the link mailed to email is followed; one review per email, merchant and campaign.",
    responses={
        202: "Confirmation mail sent",
        400: "Invalid",
        404: "No such merchant",
        409: "Already reviewed with this email",
        429: "Too many from this address or email",
    },
)(api.create_review)
api_route(
    bp,
    "/chambers/<slug>/reviews/confirmations",
    ["POST"],
    auth="public",
    form=ConfirmForm,
    summary="Confirm a review with the token from the mail: {token}.",
    responses={200: "Published", 404: "Unknown token"},
)(api.confirm_review)
api_route(
    bp,
    "/chambers/<slug>/complaints",
    ["POST"],
    auth="public",
    form=ComplaintForm,
    summary="File a complaint: {member_id, campaign (slug, optional), category: quality|refund_refused|"
    "not_delivered|false_advertising|price, description, contact_email}.",
    responses={201: "{tracking_code, url}", 400: "Invalid", 429: "Too many from this address or email"},
)(api.create_complaint)
api_route(
    bp,
    "/complaints/<code>",
    ["GET"],
    auth="public",
    summary="A complaint's status and history by its tracking code.",
    responses={200: "{tracking_code, status, history: [...]}", 404: "Unknown code"},
)(api.get_complaint)

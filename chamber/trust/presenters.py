"""One presenter per trust resource, for the API, the pages and the flyer."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

from .. import features
from ..api import local_iso
from .forms import CATEGORY_LABELS, DECISION_LABELS
from .models import Complaint, ComplaintEvent, Review


def component_label(name: str) -> str:
    core = {
        "verification": _("Verified business registration"),
        "ratings": _("Shoppers' ratings (Bayesian average)"),
        "complaints": _("Upheld complaints"),
    }
    if name in core:
        return core[name]
    for item in features.credit_inputs(features.enabled(current_app)):
        if item.name == name and item.label:
            return str(item.label)
    return name.replace("_", " ")


def score_dict(score: dict[str, Any] | None) -> dict[str, Any] | None:
    """A member's current score with its labelled breakdown, or None before the first computation."""
    if score is None:
        return None
    return {
        "score": score["score"],
        "breakdown": [{**part, "label": component_label(part["name"])} for part in score["breakdown"]],
        "computed_at": score["computed_at"],
    }


def review_dict(review: Review, timezone: str) -> dict[str, Any]:
    """A published review as visitors see it: the text only while not hidden, never the email."""
    hidden = review.hidden_at is not None
    return {
        "id": review.id,
        "rating": None if hidden else review.rating,
        "text": None if hidden else review.text,
        "campaign": review.campaign_title,
        "confirmed_at": local_iso(review.confirmed_at, timezone),
        "hidden": hidden,
        "hidden_reason": review.hidden_reason if hidden else None,
        "reply": None if hidden else review.reply,
        "replied_at": None if hidden else local_iso(review.replied_at, timezone),
    }


def complaint_dict(
    complaint: Complaint, events: list[ComplaintEvent], business_name: str, timezone: str
) -> dict[str, Any]:
    """A complaint as its tracking page and the API show it: status and every step."""
    return {
        "tracking_code": complaint.tracking_code,
        "status": complaint.status,
        "status_label": status_label(complaint.status),
        "merchant": business_name,
        "member_id": complaint.member_id,
        "campaign": complaint.campaign_title or None,
        "category": complaint.category,
        "category_label": str(CATEGORY_LABELS[complaint.category]),
        "description": complaint.description,
        "respond_by": local_iso(complaint.respond_by, timezone),
        "submitted_at": local_iso(complaint.created_at, timezone),
        "decided_at": local_iso(complaint.decided_at, timezone),
        "has_evidence": complaint.evidence_type is not None,
        "history": [
            {"step": e.kind, "label": status_label(e.kind), "text": e.text, "at": local_iso(e.created_at, timezone)}
            for e in events
        ],
    }


def status_label(status: str) -> str:
    labels = {
        "submitted": _("Submitted"),
        "responded": _("The merchant responded"),
        **{k: str(v) for k, v in DECISION_LABELS.items()},
    }
    return labels.get(status, status)

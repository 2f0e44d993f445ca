"""The purchase request for the supplier (PDF), through chamber.pdf.render_pdf.

The view serves its API route and its page URL alike; the builder copies everything into plain
dicts, the view ends the transaction, and only then renders (chamber.pdf's rule).
"""
from __future__ import annotations

from typing import Any

from flask import Response
from sqlalchemy.orm import Session

from campaigns import presenters
from campaigns.loading import load_campaign
from campaigns.models import Campaign
from chamber.db import get_session, utcnow
from chamber.models import Chamber
from chamber.pdf import render_pdf
from chamber.web import end_transaction

from . import presenters as alliance_presenters


def purchase_request_data(session: Session, chamber: Chamber, campaign: Campaign) -> dict[str, Any]:
    """The joint purchase as plain data: per product the total quantity, unit price, total and the
    per-member breakdown (allocation and amount due), delivery notes; each member's total due."""
    view = alliance_presenters.joint_purchase_view(session, campaign)
    return {
        "chamber": presenters.chamber_data(chamber),
        "campaign": presenters.campaign_data(session, campaign),
        "items": [i for i in view["items"] if i["total_quantity"]],
        "members": [m for m in view["members"] if m["amount_minor"]],
        "total_minor": view["total_minor"],
        "generated_at": utcnow(),
    }


def joint_purchase_pdf(slug: str, key: str) -> Response:
    """The purchase request for the supplier: organizers only."""
    chamber, campaign = load_campaign(slug, key, role="organizer")
    session = get_session()
    data = purchase_request_data(session, chamber, campaign)
    end_transaction()  # reading is done: never render inside a transaction
    resp = Response(render_pdf("pdf/pricing_alliance/purchase_request.html", data), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'inline; filename="purchase-request-{campaign.slug}.pdf"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp

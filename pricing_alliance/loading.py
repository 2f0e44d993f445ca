"""The loaders of "this chamber's proposal / product, with this access" for the alliance's pages and API: 404
(answered as a page or as the API's error body, chamber.web.fail) when it is missing or the caller lacks the role."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from campaigns.models import Campaign
from chamber.db import get_session
from chamber.models import Chamber
from chamber.web import fail, load_chamber

from . import queries
from .models import PriceProposal, Product


def load_proposal(slug: str, proposal_id: int, role: str = "member") -> tuple[Chamber, PriceProposal, Campaign]:
    """The chamber (with ``role``, chamber.web.load_chamber), its proposal ``proposal_id`` and the proposal's
    campaign."""
    chamber = load_chamber(slug, role=role)
    session = get_session()
    proposal = queries.get_proposal(session, chamber, proposal_id)
    if proposal is None:
        fail(404, _("There is no such price proposal."))
    return chamber, proposal, queries.campaign_of(session, proposal.campaign_id)


def load_product(chamber: Chamber, product_id: Any) -> Product:
    """The chamber's product ``product_id``."""
    product = queries.get_product(get_session(), chamber.id, product_id)
    if product is None:
        fail(404, _("There is no such product."))
    return product

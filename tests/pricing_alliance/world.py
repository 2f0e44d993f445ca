"""What the route walk (tests/test_tenant_isolation.py) needs of the pricing alliance in chamber B."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from campaigns.models import Campaign
from chamber.models import Chamber, User
from pricing_alliance import operations as ops
from tests.conftest import PNG_BYTES


def world_params(session: Session, world: dict[str, Any]) -> dict[str, int]:
    """A product with an image and an open proposal in the world's (locked) campaign."""
    chamber: Chamber = world["chamber"]
    campaign: Campaign = world["campaign"]
    organizer: User = world["people"]["organizer"]
    product = ops.create_product(session, chamber, name="明前龙井", unit="250g", category="茶叶",
                                 image=("image/png", PNG_BYTES))
    proposal = ops.propose_price(session, campaign, organizer, product, price_minor=268_00, floor_minor=None,
                                 ceiling_minor=None, closes_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))
    session.commit()
    return {"product_id": product.id, "proposal_id": proposal.id}

"""The pricing alliance tests' fixture: an open campaign with participants and a catalogue (import it)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from campaigns import operations as campaign_ops
from pricing_alliance import operations as ops


@pytest.fixture
def alliance(db: Session, create_chamber: Any, create_member: Any, create_user: Any, token_for: Any) -> Any:
    """A chamber, an open campaign with three participants (tiers micro, micro, core), one approved
    member who does not take part, two products; tokens for everyone."""
    chamber = create_chamber()
    now = dt.datetime.now(dt.timezone.utc)
    campaign = campaign_ops.create_campaign(
        db, chamber, chamber.organizer, slug="double11", title="双十一", festival="double11", description="",
        starts_at=now + dt.timedelta(days=20), ends_at=now + dt.timedelta(days=30),
        optin_deadline=now + dt.timedelta(days=10), budget_minor=1000_00, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None,
    )
    campaign_ops.transition_campaign(db, campaign, "open", chamber.organizer)
    members = [create_member(chamber=chamber, tier=t) for t in ("micro", "micro", "core")]
    for m in members:
        campaign_ops.opt_in(db, campaign, m, offer_headline="全场九折")
    outsider = create_member(chamber=chamber)
    tea = ops.create_product(db, chamber, name="明前龙井", unit="250g", category="茶叶", reference_price_minor=298_00)
    cup = ops.create_product(db, chamber, name="青瓷茶杯", unit="2只装", category="茶具")
    db.commit()

    class World:
        pass

    w = World()
    w.chamber, w.campaign, w.members, w.outsider, w.tea, w.cup, w.now = chamber, campaign, members, outsider, tea, cup, now
    w.organizer = chamber.organizer
    w.org_h = token_for(chamber.organizer)
    w.h = [token_for(m.user) for m in members]
    w.outsider_h = token_for(outsider.user)
    w.base = f"/api/v1/chambers/{chamber.slug}"
    w.k = f"{w.base}/campaigns/{campaign.slug}"
    return w

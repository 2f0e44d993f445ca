"""The pricing alliance tests' fixture: an open campaign with participants and a catalogue (import it)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from campaigns import operations as campaign_ops
from campaigns.models import Campaign
from chamber.models import Chamber, Member, User
from pricing_alliance import operations as ops
from pricing_alliance.models import Product

Headers = dict[str, str]


@dataclass(frozen=True)
class AllianceWorld:
    """What the `alliance` fixture made: the chamber and its open campaign, who is in it, the
    catalogue, and API headers for everyone."""

    chamber: Chamber
    campaign: Campaign
    organizer: User
    #: the three participants, tiers micro, micro and core
    members: list[Member]
    #: an approved member of the chamber who does not take part in the campaign
    outsider: Member
    #: 明前龙井 250g (suggested price ¥298.00) and 青瓷茶杯 2只装 (none)
    tea: Product
    cup: Product
    #: when the world was made (the campaign's dates count from it)
    now: dt.datetime
    #: Bearer headers: the organizer's, each participant's (as members), the outsider's
    org_h: Headers
    h: list[Headers]
    outsider_h: Headers
    #: API paths: the chamber (/api/v1/chambers/<slug>) and the campaign under it
    base: str
    k: str


@pytest.fixture
def alliance(db: Session, create_chamber: Callable[..., Chamber], create_member: Callable[..., Member],
             create_user: Callable[..., User], token_for: Callable[[User], Headers]) -> AllianceWorld:
    """A chamber, an open campaign with three participants (tiers micro, micro, core), one approved
    member who does not take part, two products; tokens for everyone."""
    organizer = create_user()
    chamber = create_chamber(organizer=organizer)
    now = dt.datetime.now(dt.timezone.utc)
    campaign = campaign_ops.create_campaign(
        db, chamber, organizer, slug="double11", title="双十一", festival="double11", description="",
        starts_at=now + dt.timedelta(days=20), ends_at=now + dt.timedelta(days=30),
        optin_deadline=now + dt.timedelta(days=10), budget_minor=1000_00, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None,
    )
    campaign_ops.transition_campaign(db, campaign, "open", organizer)
    members = [create_member(chamber=chamber, tier=t) for t in ("micro", "micro", "core")]
    for m in members:
        campaign_ops.opt_in(db, campaign, m, offer_headline="全场九折")
    outsider = create_member(chamber=chamber)
    tea = ops.create_product(db, chamber, name="明前龙井", unit="250g", category="茶叶", reference_price_minor=298_00)
    cup = ops.create_product(db, chamber, name="青瓷茶杯", unit="2只装", category="茶具")
    db.commit()
    base = f"/api/v1/chambers/{chamber.slug}"
    return AllianceWorld(
        chamber=chamber, campaign=campaign, organizer=organizer, members=members, outsider=outsider, tea=tea, cup=cup,
        now=now, org_h=token_for(organizer), h=[token_for(m.user) for m in members],
        outsider_h=token_for(outsider.user), base=base, k=f"{base}/campaigns/{campaign.slug}",
    )


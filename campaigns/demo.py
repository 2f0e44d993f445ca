"""Demo data of the campaigns package: one draft campaign in the demo chamber, for the organizer to open."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from chamber.db import utcnow
from chamber.models import Chamber, Organizer, User

from . import operations as ops

DEMO_CAMPAIGN_SLUG = "double12-demo"


def load_demo(session: Session, chamber: Chamber) -> None:
    """A draft 双十二 campaign (budget shared by size tier) created by the chamber's first organizer."""
    organizer = session.scalar(
        select(User).join(Organizer, Organizer.user_id == User.id).where(Organizer.chamber_id == chamber.id)
        .order_by(Organizer.id).limit(1)
    )
    if organizer is None:
        return
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    ops.create_campaign(
        session, chamber, organizer, slug=DEMO_CAMPAIGN_SLUG, title="双十二联合促销 (示例)", festival="double12",
        description="示例活动：预算按规模档位分摊。Demo campaign: the budget is shared by size tier.",
        optin_deadline=now + dt.timedelta(days=14), starts_at=now + dt.timedelta(days=16),
        ends_at=now + dt.timedelta(days=20), budget_minor=8000_00, method="tier", min_share_minor=100_00,
        max_share_pct=None, min_participants=None, min_pooled_minor=None,
    )
    from .public_demo import load_live_campaign

    load_live_campaign(session, chamber)
    from .announcements.demo import load_demo as load_announcements

    load_announcements(session, chamber)

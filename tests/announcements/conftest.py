"""Fixtures for the announcement tests: a chamber with an organizer, members and an open campaign."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest

from campaigns import operations as campaign_ops
from campaigns.models import Campaign
from chamber.models import Chamber, Member, User

UTC = dt.timezone.utc
_seq = itertools.count(1)


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


@dataclass
class Scene:
    chamber: Chamber
    organizer: User
    members: list[Member]
    outsider: Member  # approved, not in the campaign
    campaign: Campaign
    org_headers: dict[str, str]
    member_headers: dict[str, str]

    @property
    def base(self) -> str:
        return f"/api/v1/chambers/{self.chamber.slug}/announcements"


@pytest.fixture
def scene(db: Any, create_chamber: Any, create_member: Any, token_for: Any) -> Scene:
    """A chamber (Asia/Shanghai) with 3 approved members, 2 of them in an open campaign that
    starts in 20 days (at midnight Beijing time), and a pending applicant."""
    chamber = create_chamber()
    members = [create_member(chamber) for _ in range(3)]
    create_member(chamber, status="pending")
    now = utcnow()
    midnight = (now + dt.timedelta(days=20)).replace(hour=16, minute=0, second=0, microsecond=0)  # 00:00 Beijing
    campaign = campaign_ops.create_campaign(
        db, chamber, chamber.organizer, slug=f"d11-{next(_seq)}", title="双十一联合促销", festival="double11",
        description="西湖商圈一起过双十一", starts_at=midnight, ends_at=midnight + dt.timedelta(days=4),
        optin_deadline=midnight - dt.timedelta(days=10), budget_minor=1000_00, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None,
    )
    campaign_ops.transition_campaign(db, campaign, "open", chamber.organizer)
    for m in members[:2]:
        campaign_ops.opt_in(db, campaign, m, offer_headline="全场九折")
    db.commit()
    english = {"Accept-Language": "en"}
    return Scene(chamber, chamber.organizer, members[:2], members[2], campaign,
                 {**token_for(chamber.organizer), **english}, {**token_for(members[0].user), **english})


def local(when: dt.datetime, days: int = 0, hour: int = 10) -> str:
    """An ISO local time (no offset) in Beijing time, `days` after `when`'s date, at hour:00."""
    beijing = (when + dt.timedelta(hours=8)).date() + dt.timedelta(days=days)
    return f"{beijing.isoformat()}T{hour:02d}:00"

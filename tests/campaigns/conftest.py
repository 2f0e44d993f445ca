"""Fixtures for the campaigns tests: a campaign factory and a clock."""
from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from campaigns import operations as ops
from campaigns.models import Campaign
from chamber.db import utcnow

#: the tests' "now"; campaign times are set relative to it
NOW = dt.datetime(2030, 10, 1, 2, 0, tzinfo=dt.timezone.utc)
_seq = itertools.count(1)


def api(chamber: Any, campaign: Any = None, tail: str = "") -> str:
    """The API path of a chamber's campaigns, of one campaign, or of something under it (tail)."""
    base = f"/api/v1/chambers/{chamber.slug}/campaigns"
    return base + (f"/{campaign.slug}" if campaign is not None else "") + tail


def real_campaign(db: Any, make_campaign: Any, chamber: Any, **fields: Any) -> Campaign:
    """An open campaign around the real clock (the pages and the API use utcnow)."""
    now = utcnow()
    return make_campaign(chamber, status="open", now=now, **fields)


@pytest.fixture
def make_campaign(db: Any, create_chamber: Any) -> Any:
    """make_campaign(chamber=None, status="draft", **fields) → Campaign (committed).

    Defaults: budget 1000.00, method equal, deadline NOW+10d, start NOW+20d, end NOW+30d.
    status "open" opens it (as its organizer) at NOW.
    """

    def make(chamber: Any = None, status: str = "draft", now: dt.datetime = NOW, **fields: Any) -> Campaign:
        chamber = chamber or create_chamber()
        values: dict[str, Any] = {
            "slug": f"campaign-{next(_seq)}",
            "title": "双十一联合促销",
            "festival": "double11",
            "description": "",
            "starts_at": now + dt.timedelta(days=20),
            "ends_at": now + dt.timedelta(days=30),
            "optin_deadline": now + dt.timedelta(days=10),
            "budget_minor": 1000_00,
            "method": "equal",
            "min_share_minor": None,
            "max_share_pct": None,
            "min_participants": None,
            "min_pooled_minor": None,
        }
        values.update(fields)
        campaign = ops.create_campaign(db, chamber, chamber.organizer, **values)
        if status == "open":
            ops.transition_campaign(db, campaign, "open", chamber.organizer, now=now)
        db.commit()
        campaign.organizer = chamber.organizer  # type: ignore[attr-defined]
        return campaign

    return make


@pytest.fixture
def locked_campaign(db: Any, create_chamber: Any, create_member: Any, make_campaign: Any) -> Any:
    """An equal-shares campaign of 1000.00 locked with members A, B, C, D (250.00 each)."""

    def make(n: int = 4, **fields: Any) -> tuple[Campaign, list[Any]]:
        chamber = create_chamber()
        campaign = make_campaign(chamber, status="open", **fields)
        members = [create_member(chamber) for _ in range(n)]
        for m in members:
            ops.opt_in(db, campaign, m, offer_headline="全场九折", now=NOW)
        ops.transition_campaign(db, campaign, "locked", chamber.organizer, now=NOW)
        db.commit()
        return campaign, members

    return make

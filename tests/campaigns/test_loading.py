"""One lookup of "this chamber's campaign": pages, the API, the public pages and feeds, and the core's
features (reviews, complaints, subscriptions) find a campaign by its slug the same way — exactly, never
a longer key cut to fit, and drafts never in public."""
from __future__ import annotations

from typing import Any

import pytest

from campaigns import queries
from campaigns.public import lookup_public_campaign


@pytest.fixture
def long_slug_world(world: dict[str, Any]) -> dict[str, Any]:
    campaign = world["campaign"]
    return {**world, "long": campaign.slug + "x" * (41 - len(campaign.slug))}


def test_a_key_longer_than_a_slug_finds_nothing_anywhere(client, login, long_slug_world, db):
    w = long_slug_world
    chamber, campaign, long = w["chamber"], w["campaign"], w["long"]
    assert len(long) == 41 and long.startswith(campaign.slug)
    assert queries.get_campaign(db, chamber, campaign.slug) is campaign
    assert queries.get_campaign(db, chamber, long) is None
    assert lookup_public_campaign(db, chamber.id, campaign.slug) == (campaign.id, campaign.title)
    assert lookup_public_campaign(db, chamber.id, long) is None
    for tail in ("", "/ledger", "/flyer.pdf", "/feed.atom", "/calendar.ics"):
        assert client.get(f"/c/{chamber.slug}/{campaign.slug}{tail}").status_code == 200, tail
        assert client.get(f"/c/{chamber.slug}/{long}{tail}").status_code == 404, tail
    login(w["people"]["member"])
    assert client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}").status_code == 200
    assert client.get(f"/chambers/{chamber.slug}/campaigns/{long}").status_code == 404


def test_drafts_are_found_for_organizers_only(db, world, make_campaign):
    chamber = world["chamber"]
    draft = make_campaign(chamber)
    assert queries.get_campaign(db, chamber, draft.slug) is draft
    assert queries.get_campaign(db, chamber, draft.slug, public=True) is None
    assert lookup_public_campaign(db, chamber.id, draft.slug) is None

"""One lookup of "this chamber's campaign": pages, the API, the public pages and feeds, and the core's
features (reviews, complaints, subscriptions) find a campaign by its slug the same way — exactly, never
a longer key cut to fit, and drafts never in public."""
from __future__ import annotations

from typing import Any

import pytest

from campaigns import queries
from campaigns.queries import lookup_public_campaign
from chamber.notifications.models import Subscriber
from chamber.rules import MAX_SLUG
from chamber.trust.models import Complaint, Review
from tests.conftest import count_rows


@pytest.fixture
def long_slug_world(world: dict[str, Any], db: Any) -> dict[str, Any]:
    """The world's campaign with a slug of exactly MAX_SLUG characters, and a key one longer that starts with
    it: cutting the key to fit would find the campaign."""
    campaign = world["campaign"]
    campaign.slug = "double11-" + "x" * (MAX_SLUG - len("double11-"))
    db.commit()
    return {**world, "long": campaign.slug + "y"}


def test_a_key_longer_than_a_slug_finds_nothing_anywhere(client, login, long_slug_world, db, token_for):
    w = long_slug_world
    chamber, campaign, member, long = w["chamber"], w["campaign"], w["member"], w["long"]
    slug = campaign.slug
    assert len(slug) == MAX_SLUG and len(long) == MAX_SLUG + 1 and long.startswith(slug)
    assert queries.get_campaign(db, chamber, slug) is campaign
    assert queries.get_campaign(db, chamber, long) is None
    assert lookup_public_campaign(db, chamber.id, slug) == (campaign.id, campaign.title)
    assert lookup_public_campaign(db, chamber.id, long) is None
    for tail in ("", "/ledger", "/flyer.pdf", "/feed.atom", "/calendar.ics"):
        assert client.get(f"/c/{chamber.slug}/{slug}{tail}").status_code == 200, tail
        assert client.get(f"/c/{chamber.slug}/{long}{tail}").status_code == 404, tail
    api = f"/api/v1/chambers/{chamber.slug}/campaigns"
    headers = token_for(w["people"]["organizer"])
    assert client.get(f"{api}/{slug}", headers=headers).status_code == 200
    assert client.get(f"{api}/{long}", headers=headers).status_code == 404

    # the core's features take the campaign from ?campaign= and find it the same way: the long key is kept
    # as given (never cut to the campaign's slug), and sending it finds nothing
    reviews, complaints, subscribers = (count_rows(db, t) for t in (Review, Complaint, Subscriber))
    review = f"/c/{chamber.slug}/m/{member.id}/review"
    page = client.get(f"{review}?campaign={long}")
    assert f'value="{long}"' in page.text and f'value="{slug}"' not in page.text
    assert client.post(review, data={"rating": "5", "text": "好茶", "email": "c@example.com",
                                     "campaign": long}).status_code == 400
    complaint = f"/c/{chamber.slug}/complaints/new"
    page = client.get(f"{complaint}?member={member.id}&campaign={long}")
    assert f'value="{long}"' in page.text and f'value="{slug}"' not in page.text
    assert client.post(complaint, data={"member_id": str(member.id), "campaign": long, "category": "quality",
                                        "description": "茶叶受潮了，商家不回复。",
                                        "contact_email": "c@example.com"}).status_code == 400
    subscribe = f"/c/{chamber.slug}/subscribe"
    page = client.get(f"{subscribe}?campaign={long}")
    assert f'value="{long}"' in page.text and f'value="{slug}"' not in page.text
    assert client.post(subscribe, data={"email": "fan@example.cn", "campaign": long}).status_code == 400
    assert client.post(f"/api/v1/chambers/{chamber.slug}/subscriptions",
                       json={"email": "fan@example.cn", "campaign": long}).status_code == 400
    assert (count_rows(db, Review), count_rows(db, Complaint), count_rows(db, Subscriber)) == (
        reviews, complaints, subscribers)
    assert client.post(subscribe, data={"email": "fan@example.cn", "campaign": slug}).status_code == 200
    assert count_rows(db, Subscriber) == subscribers + 1

    login(w["people"]["member"])
    assert client.get(f"/chambers/{chamber.slug}/campaigns/{slug}").status_code == 200
    assert client.get(f"/chambers/{chamber.slug}/campaigns/{long}").status_code == 404
    client.post("/logout")
    login(w["people"]["organizer"])
    assert client.get(f"/chambers/{chamber.slug}/manage/campaigns/{slug}").status_code == 200
    assert client.get(f"/chambers/{chamber.slug}/manage/campaigns/{long}").status_code == 404
    new = f"/chambers/{chamber.slug}/manage/announcements/new"
    assert f'<option value="{slug}" selected>' in client.get(f"{new}?campaign={slug}").text
    assert f'<option value="{slug}">' in client.get(f"{new}?campaign={long}").text  # offered, not chosen


def test_drafts_are_found_for_organizers_only(db, world, make_campaign):
    chamber = world["chamber"]
    draft = make_campaign(chamber)
    assert queries.get_campaign(db, chamber, draft.slug) is draft
    assert queries.get_campaign(db, chamber, draft.slug, public=True) is None
    assert lookup_public_campaign(db, chamber.id, draft.slug) is None

"""What organizers set on a campaign, and what it does: go/no-go thresholds that can be met (never more pooled
than the budget, a number of participants that fits), and an opening time before the opt-in deadline, read and
shown in the chamber's time zone, at which the clock opens the draft (the rule itself: test_lifecycle_rules.py)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from campaigns.jobs import advance_campaigns
from campaigns.models import Campaign
from chamber.errors import Invalid
from tests.campaigns.conftest import NOW, api
from tests.helpers import field_errors, text

EN = {"Accept-Language": "en"}


def future(days: float) -> str:
    return (dt.datetime.now() + dt.timedelta(days=days)).replace(microsecond=0, second=0).isoformat()


def campaign_body(**overrides: Any) -> dict[str, Any]:
    data = {
        "slug": "d11", "title": "双十一", "festival": "double11", "description": "",
        "starts_at": future(20), "ends_at": future(30), "optin_deadline": future(10),
        "budget": "1000.00", "apportionment": {"method": "equal", "min_share": None, "max_share_pct": None},
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- thresholds that can never be met


@pytest.mark.parametrize("overrides, field", [
    ({"min_pooled": "1000.01"}, "min_pooled"),
    ({"min_participants": 100001}, "min_participants"),
    ({"min_participants": 10**30}, "min_participants"),
])
def test_api_refuses_thresholds_that_can_never_be_met(client, create_chamber, token_for, overrides, field):
    chamber = create_chamber()
    org = {**token_for(chamber.organizer), **EN}
    r = client.post(api(chamber), json=campaign_body(**overrides), headers=org)
    assert r.status_code == 400, r.text
    assert field in r.json["error"]["fields"]
    assert client.get(api(chamber), headers=org).json["items"] == []
    # and on update
    assert client.post(api(chamber), json=campaign_body(), headers=org).status_code == 201
    r = client.put(api(chamber) + "/d11", json=campaign_body(**overrides), headers=org)
    assert r.status_code == 400 and field in r.json["error"]["fields"]
    assert client.post(api(chamber), json=campaign_body(slug="d12", min_pooled="1000.00", min_participants=100000),
                       headers=org).status_code == 201


def test_operation_refuses_min_pooled_above_budget(db, create_chamber, make_campaign):
    with pytest.raises(Invalid) as err:
        make_campaign(budget_minor=100_00, min_pooled_minor=100_01)
    assert err.value.field == "min_pooled"


def test_page_shows_min_pooled_error_by_the_field(client, create_chamber, login):
    chamber = create_chamber()
    login(chamber.organizer)
    data = {"slug": "d11", "title": "双十一", "festival": "double11", "description": "", "budget": "1000.00",
            "optin_deadline": future(10), "starts_at": future(20), "ends_at": future(30), "method": "equal",
            "min_share": "", "max_share_pct": "", "min_participants": "", "min_pooled": "2000.00"}
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/new", data=data, headers=EN)
    assert resp.status_code == 400
    assert field_errors(resp, "min_pooled") == ["The minimum pooled amount cannot be more than the budget."]


# --------------------------------------------------------------------------- the opening time


def test_job_opens_a_draft_at_its_opening_time(app, db, create_chamber, make_campaign):
    chamber = create_chamber()
    timed = make_campaign(chamber, opens_at=NOW + dt.timedelta(days=1))
    manual = make_campaign(chamber)
    advance_campaigns(app, NOW + dt.timedelta(hours=23))
    db.expire_all()
    assert (timed.status, manual.status) == ("draft", "draft")
    assert advance_campaigns(app, NOW + dt.timedelta(days=1)) == 1
    db.expire_all()
    assert (timed.status, manual.status) == ("open", "draft")


def test_opens_at_must_be_before_the_deadline(db, make_campaign):
    with pytest.raises(Invalid) as err:
        make_campaign(opens_at=NOW + dt.timedelta(days=10))  # the deadline itself
    assert err.value.field == "opens_at"


def test_api_reads_and_shows_opens_at_in_the_chambers_zone(client, create_chamber, token_for):
    chamber = create_chamber()
    org = {**token_for(chamber.organizer), **EN}
    r = client.post(api(chamber), json=campaign_body(opens_at="2031-10-01T09:00", optin_deadline="2031-10-20T18:00",
                                                     starts_at="2031-11-11T00:00", ends_at="2031-11-12T00:00"),
                    headers=org)
    assert r.status_code == 201, r.text
    assert r.json["opens_at"] == "2031-10-01T09:00:00+08:00"
    r = client.post(api(chamber), json=campaign_body(slug="d12"), headers=org)
    assert r.json["opens_at"] is None
    r = client.post(api(chamber), json=campaign_body(slug="d13", opens_at="2031-10-21T00:00",
                                                     optin_deadline="2031-10-20T18:00", starts_at="2031-11-11T00:00",
                                                     ends_at="2031-11-12T00:00"), headers=org)
    assert r.status_code == 400 and "opens_at" in r.json["error"]["fields"]


def test_pages_create_edit_and_show_opens_at(client, db, create_chamber, login):
    chamber = create_chamber()
    login(chamber.organizer)
    data = {"slug": "d11", "title": "双十一", "festival": "double11", "description": "", "budget": "1000.00",
            "opens_at": "2031-10-01T09:00", "optin_deadline": "2031-10-20T18:00", "starts_at": "2031-11-11T00:00",
            "ends_at": "2031-11-12T00:00", "method": "equal", "min_share": "", "max_share_pct": "",
            "min_participants": "", "min_pooled": ""}
    base = f"/chambers/{chamber.slug}/manage/campaigns"
    assert client.get(base + "/new").status_code == 200 and 'name="opens_at"' in client.get(base + "/new").text
    assert client.post(base + "/new", data=data).status_code == 302
    campaign = db.scalar(select(Campaign).where(Campaign.chamber_id == chamber.id))
    assert campaign.opens_at == dt.datetime(2031, 10, 1, 1, 0, tzinfo=dt.timezone.utc)
    manage = client.get(f"{base}/d11", headers=EN)
    assert "Opens for opt-in" in text(manage) and 'data-testid="opens-at"' in manage.text
    assert 'value="2031-10-01T09:00"' in client.get(f"{base}/d11/edit").text
    resp = client.post(f"{base}/d11/edit", data={**data, "opens_at": "2031-10-21T09:00"}, headers=EN)
    assert resp.status_code == 400
    assert field_errors(resp, "opens_at") == ["The campaign must open before the opt-in deadline."]
    assert client.post(f"{base}/d11/edit", data={**data, "opens_at": ""}).status_code == 302
    db.expire_all()
    assert campaign.opens_at is None

"""Defects found in review of the campaigns feature (issue 3), each pinned by a test.

Zero weights and infeasible opt-ins, thresholds that can never be met, receipts near 5 MB, ids too large for the database, automatic opening, and the
member dashboard's campaign section.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from campaigns import operations as ops
from campaigns import queries, rules
from campaigns.jobs import advance_campaigns
from campaigns.models import Campaign, Participation, Receipt
from chamber.db import utcnow
from chamber.errors import Conflict, Invalid
from tests.campaigns.conftest import NOW
from tests.campaigns.test_payments import locked_api, pay  # noqa: F401  # locked_api is a fixture
from tests.conftest import count_rows
from tests.helpers import field_errors, text

MIB = 1024 * 1024
EN = {"Accept-Language": "en"}


def api(chamber: Any, campaign: Any = None, tail: str = "") -> str:
    base = f"/api/v1/chambers/{chamber.slug}/campaigns"
    return base + (f"/{campaign.slug}" if campaign is not None else "") + tail


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


def real_campaign(db: Any, make_campaign: Any, chamber: Any, **fields: Any) -> Campaign:
    """An open campaign around the real clock (the pages and the API use utcnow)."""
    now = utcnow()
    return make_campaign(chamber, status="open", now=now, **fields)


# --------------------------------------------------------------------------- 1. zero weight


def test_member_with_zero_revenue_cannot_join_a_revenue_campaign(client, db, create_chamber, create_member,
                                                                 make_campaign, token_for):
    chamber = create_chamber()
    campaign = real_campaign(db, make_campaign, chamber, method="revenue")
    zero = create_member(chamber, annual_revenue_minor=0)
    with pytest.raises(Conflict, match="declared annual revenue is 0"):
        ops.opt_in(db, campaign, zero, offer_headline="九折")
    db.rollback()
    r = client.put(api(chamber, campaign, "/participation"), json={"offer_headline": "九折"},
                   headers={**token_for(zero.user), **EN})
    assert r.status_code == 409
    assert "revenue-shared budget cannot include you" in r.json["error"]["message"]
    assert count_rows(db, Participation, Participation.campaign_id == campaign.id) == 0
    # a member with revenue joins, and the preview still works
    ok = create_member(chamber)
    assert client.put(api(chamber, campaign, "/participation"), json={"offer_headline": "九折"},
                      headers=token_for(ok.user)).status_code == 200
    assert client.get(api(chamber, campaign, "/shares"), headers=token_for(ok.user)).status_code == 200
    # an equal-shares campaign does not care about revenue
    equal = real_campaign(db, make_campaign, chamber)
    ops.opt_in(db, equal, zero, offer_headline="九折")


# --------------------------------------------------------------------------- 2. opt-ins that break the rule


def test_opt_in_that_would_make_the_minimum_shares_exceed_the_budget_is_refused(
        client, db, create_chamber, create_member, make_campaign, token_for):
    chamber = create_chamber()
    campaign = real_campaign(db, make_campaign, chamber, budget_minor=100_00, min_share_minor=40_00)
    members = [create_member(chamber) for _ in range(3)]
    for m in members[:2]:
        ops.opt_in(db, campaign, m, offer_headline="x")
    db.commit()
    r = client.put(api(chamber, campaign, "/participation"), json={"offer_headline": "九折"},
                   headers={**token_for(members[2].user), **EN})
    assert r.status_code == 409, r.text
    message = r.json["error"]["message"]
    assert "3 members paying at least ¥40.00 each would need ¥120.00" in message
    assert count_rows(db, Participation, Participation.campaign_id == campaign.id) == 2
    # the two who joined still get a preview, and the campaign can lock
    assert client.get(api(chamber, campaign, "/shares"), headers=token_for(members[0].user)).status_code == 200
    # updating the offer of someone already in is not a new participant
    ops.opt_in(db, campaign, members[0], offer_headline="八折")


def test_opt_in_below_the_cap_coverage_is_still_accepted(db, create_chamber, create_member, make_campaign):
    # 40% cap: one or two merchants cannot cover the budget yet, but more may still join
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", max_share_pct=Decimal(40))
    for _ in range(3):
        ops.opt_in(db, campaign, create_member(chamber), offer_headline="x", now=NOW)
    assert sum(s["share_minor"] for s in queries.compute_shares(db, campaign)) == 1000_00


# --------------------------------------------------------------------------- 3. thresholds that can never be met


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


# --------------------------------------------------------------------------- 5. receipts near 5 MB


def _multipart(fields: dict[str, Any], receipt: bytes) -> tuple[bytes, str]:
    # encoded in memory: the test client would spool a big body to a file it never closes
    boundary, data = encode_multipart({**fields, "receipt": FileStorage(io.BytesIO(receipt), "invoice.pdf")})
    return data, f"multipart/form-data; boundary={boundary}"


EXPENSE = {"payee": "印刷厂", "category": "printing", "amount": "10.00", "description": ""}


def test_api_receipt_just_under_5_mib_is_accepted_and_just_over_is_413(client, db, locked_api):
    campaign, (a, *_rest), org = locked_api
    assert pay(client, campaign, org, a, "100.00").status_code == 201
    url = api(campaign.chamber, campaign, "/expenses")
    under = b"%PDF-" + b"0" * (5 * MIB - 100 - 5)
    data, ctype = _multipart(EXPENSE, under)
    r = client.post(url, data=data, content_type=ctype, headers=org)
    assert r.status_code == 201, r.text
    assert r.json["receipt"]["size"] == 5 * MIB - 100
    over = b"%PDF-" + b"0" * (5 * MIB + 1 - 5)
    data, ctype = _multipart(EXPENSE, over)
    r = client.post(url, data=data, content_type=ctype, headers=org)
    assert r.status_code == 413
    assert r.json["error"]["fields"]["receipt"] == r.json["error"]["message"]
    assert "5 MB" in r.json["error"]["message"]
    assert count_rows(db, Receipt, Receipt.chamber_id == campaign.chamber_id) == 1
    # other routes keep the app's 5 MiB request limit
    r = client.post(api(campaign.chamber, campaign, "/payments"), data=data, content_type=ctype, headers=org)
    assert r.status_code == 413


def test_page_receipt_just_under_5_mib_is_accepted_and_just_over_shows_a_message(client, db, login, locked_campaign):
    campaign, (a, *_rest) = locked_campaign(4)
    ops.record_payment(db, campaign, campaign.organizer, member_id=a.id, amount_minor=100_00, method="cash",
                       paid_on=dt.date(2026, 1, 2))
    db.commit()
    login(campaign.organizer)
    url = f"/chambers/{campaign.chamber.slug}/manage/campaigns/{campaign.slug}/expenses"
    data, ctype = _multipart(EXPENSE, b"%PDF-" + b"0" * (5 * MIB - 100 - 5))
    resp = client.post(url, data=data, content_type=ctype, headers=EN)
    assert resp.status_code == 302, text(resp)
    data, ctype = _multipart(EXPENSE, b"%PDF-" + b"0" * (5 * MIB + 1 - 5))
    resp = client.post(url, data=data, content_type=ctype, headers=EN)
    assert resp.status_code == 413
    errors = field_errors(resp, "receipt")
    assert errors and "at most 5242880 bytes (5 MB)" in errors[0]
    assert 'name="payee"' in resp.get_data(as_text=True)  # the form, not the generic error page
    assert count_rows(db, Receipt, Receipt.chamber_id == campaign.chamber_id) == 1


# --------------------------------------------------------------------------- 6. ids that do not fit


def test_payment_page_and_participation_member_id_out_of_range_is_400(client, db, login, locked_campaign,
                                                                      token_for, create_member, make_campaign):
    campaign, (a, *_rest) = locked_campaign(2)
    login(campaign.organizer)
    url = f"/chambers/{campaign.chamber.slug}/manage/campaigns/{campaign.slug}/payments"
    resp = client.post(url, data={"member_id": str(2**63), "amount": "1.00", "method": "cash",
                                  "paid_on": "2026-01-02"}, headers=EN)
    assert resp.status_code == 400 and field_errors(resp, "member_id")
    chamber = campaign.chamber
    chamber.organizer = campaign.organizer
    other = real_campaign(db, make_campaign, chamber)
    r = client.put(api(campaign.chamber, other, "/participation"), headers=token_for(a.user),
                   json={"offer_headline": "x", "member_id": 2**40})
    assert r.status_code == 400 and "member_id" in r.json["error"]["fields"]


# --------------------------------------------------------------------------- 7. automatic opening

T0 = dt.datetime(2030, 10, 1, tzinfo=dt.timezone.utc)
DEADLINE, START, END = T0 + dt.timedelta(days=10), T0 + dt.timedelta(days=20), T0 + dt.timedelta(days=30)


@pytest.mark.parametrize("status, now, opens_at, expected", [
    ("draft", T0, None, None),  # no opening time: organizers open it themselves
    ("draft", T0, T0 + dt.timedelta(seconds=1), None),
    ("draft", T0, T0, "open"),
    ("draft", T0 + dt.timedelta(days=1), T0, "open"),
    ("open", T0, T0 - dt.timedelta(days=1), None),
    ("open", DEADLINE, T0, "locked"),
    ("locked", START, T0, "live"),
    ("live", END, None, "ended"),
    ("cancelled", END, T0, None),
])
def test_due_transition_opens_drafts_at_their_opening_time(status, now, opens_at, expected):
    assert rules.due_transition(status, now, DEADLINE, START, END, opens_at=opens_at) == expected


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


# --------------------------------------------------------------------------- 8. the member dashboard


def test_dashboard_shows_my_share_now_and_links_to_join(client, db, login, create_chamber, create_member,
                                                        make_campaign, count_queries):
    chamber = create_chamber()
    me = create_member(chamber)
    others = [create_member(chamber) for _ in range(3)]
    joined = real_campaign(db, make_campaign, chamber, title="双十一 joined")
    not_joined = real_campaign(db, make_campaign, chamber, title="双十二 not joined")
    stuck = real_campaign(db, make_campaign, chamber, title="stuck", max_share_pct=Decimal(40))
    make_campaign(chamber, title="a draft")
    for m in (me, *others):
        ops.opt_in(db, joined, m, offer_headline="x")
    ops.opt_in(db, stuck, me, offer_headline="x")  # one merchant cannot cover the budget under a 40% cap
    db.commit()
    login(me.user)
    resp = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    cards = dict(re.findall(r'data-testid="open-campaign" data-campaign="([^"]+)">(.*?)</div>', html, re.S))
    assert set(cards) == {joined.slug, not_joined.slug, stuck.slug}
    assert "The share you would pay now:" in cards[joined.slug] and "¥250.00" in cards[joined.slug]
    assert 'data-testid="join-link"' not in cards[joined.slug]
    assert 'data-testid="join-link"' in cards[not_joined.slug]
    assert f"/chambers/{chamber.slug}/campaigns/{not_joined.slug}" in cards[not_joined.slug]
    # the rule's arithmetic is not for people: they read how many more merchants must join
    assert "must join before the campaign can go ahead" in cards[stuck.slug]
    assert "can cover only" not in cards[stuck.slug]
    # queries do not grow with the participants
    with count_queries() as few:
        client.get(f"/chambers/{chamber.slug}/dashboard")
    for _ in range(5):
        ops.opt_in(db, joined, create_member(chamber), offer_headline="x")
    db.commit()
    with count_queries() as more:
        client.get(f"/chambers/{chamber.slug}/dashboard")
    assert more() == few()


def test_dashboard_of_a_member_without_open_campaigns(client, login, create_chamber, create_member):
    chamber = create_chamber()
    me = create_member(chamber)
    login(me.user)
    resp = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert resp.status_code == 200 and 'data-testid="open-campaign"' not in resp.text
    assert "Join the chamber's festival campaigns" in text(resp)

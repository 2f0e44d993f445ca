"""Hostile input to campaigns is a 400 by the field (or the API's error body) and changes nothing.

Each case here answered 500 or was saved before: campaign years 0001/9999 (saved, then every
campaign page of the chamber failed), sNaN in a decimal, a budget of 0.00, a file sent for a
text field of an expense, invisible or control characters and direction overrides in offers,
member ids too large for the database.
"""
from __future__ import annotations

import io
import json
from typing import Any

import pytest

from campaigns.models import Campaign, LedgerEntry, Participation
from chamber.models import Chamber
from tests.campaigns.conftest import api, real_campaign
from tests.conftest import count_rows
from tests.helpers import field_errors

EN = {"Accept-Language": "en"}
FILE_MESSAGE = "Send this field as text, not as a file or a value of another kind."


@pytest.fixture(autouse=True)
def english(client: Any) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def file_part(name: str = "x.txt") -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"not text"), name


def campaign_body(**overrides: Any) -> dict[str, Any]:
    body = {"slug": "d11", "title": "双十一", "festival": "double11", "description": "全城联动",
            "optin_deadline": "2030-10-20T18:00", "starts_at": "2030-11-11T00:00", "ends_at": "2030-11-12T00:00",
            "budget": "1000.00", "apportionment": {"method": "equal"}}
    body.update(overrides)
    return body


def campaign_page_data(**overrides: Any) -> dict[str, Any]:
    data = {"slug": "d11", "title": "双十一", "festival": "double11", "description": "",
            "optin_deadline": "2030-10-20T18:00", "starts_at": "2030-11-11T00:00", "ends_at": "2030-11-12T00:00",
            "budget": "1000.00", "method": "equal", "min_share": "", "max_share_pct": "", "min_participants": "",
            "min_pooled": ""}
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- campaign years and amounts


@pytest.mark.parametrize("field", ["optin_deadline", "starts_at", "ends_at", "opens_at"])
@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59", "2101-01-01T00:00"])
def test_campaign_times_outside_2000_to_2100_are_refused_in_the_api(client, db, create_chamber, token_for, field, when):
    chamber = create_chamber()
    headers = token_for(chamber.organizer)
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=campaign_body(**{field: when}), headers=headers)
    assert resp.status_code == 400, resp.text
    assert resp.json["error"]["fields"][field] == "Give a date between the years 2000 and 2100."
    assert count_rows(db, Campaign, Campaign.chamber_id == chamber.id) == 0


def test_campaign_times_outside_the_years_are_refused_on_edit_and_on_the_page(client, db, create_chamber, token_for, login):
    chamber = create_chamber()
    headers = token_for(chamber.organizer)
    assert client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=campaign_body(), headers=headers).status_code == 201
    resp = client.put(f"/api/v1/chambers/{chamber.slug}/campaigns/d11",
                      json=campaign_body(ends_at="9999-12-31T23:59:59+00:00"), headers=headers)
    assert resp.status_code == 400 and "ends_at" in resp.json["error"]["fields"]
    # the organizer's list (drafts included: anonymously it is empty) shows the campaign as it was
    listed = client.get(f"/api/v1/chambers/{chamber.slug}/campaigns", headers=headers)
    assert listed.status_code == 200
    assert [(c["slug"], c["ends_at"]) for c in listed.json["items"]] == [("d11", "2030-11-12T00:00:00+08:00")]

    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/new",
                       data=campaign_page_data(slug="early", optin_deadline="0001-01-01T00:00"))
    assert resp.status_code == 400
    assert field_errors(resp, "optin_deadline") == ["Give a date between the years 2000 and 2100."]
    assert count_rows(db, Campaign, Campaign.chamber_id == chamber.id) == 1


@pytest.mark.parametrize("budget", ["0.00", "0", "0.0"])
def test_a_budget_of_zero_is_refused(client, db, create_chamber, token_for, login, budget):
    chamber = create_chamber()
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=campaign_body(budget=budget),
                       headers=token_for(chamber.organizer))
    assert resp.status_code == 400 and resp.json["error"]["fields"] == {"budget": "The amount must be more than zero."}
    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/new", data=campaign_page_data(budget=budget))
    assert resp.status_code == 400 and field_errors(resp, "budget") == ["The amount must be more than zero."]
    assert count_rows(db, Campaign, Campaign.chamber_id == chamber.id) == 0


@pytest.mark.parametrize("value", ["sNaN", "NaN", "-sNaN", "Infinity", "-inf", "snan123"])
def test_not_a_number_in_a_decimal_field_of_a_page(client, db, create_chamber, login, value):
    chamber = create_chamber()
    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/new", data=campaign_page_data(max_share_pct=value))
    assert resp.status_code == 400
    errors = field_errors(resp, "max_share_pct")
    assert errors and errors[0] in ("Give a number such as 12.5.", "Not a valid decimal value."), errors
    assert count_rows(db, Campaign, Campaign.chamber_id == chamber.id) == 0


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_not_a_number_in_a_decimal_field_of_the_api(client, db, create_chamber, token_for, raw):
    chamber = create_chamber()
    payload = json.dumps(campaign_body(apportionment={"method": "equal", "max_share_pct": 1.5})).replace("1.5", raw)
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", data=payload,
                       headers={**token_for(chamber.organizer), "Content-Type": "application/json"})
    assert resp.status_code == 400 and "apportionment.max_share_pct" in resp.json["error"]["fields"]
    assert count_rows(db, Campaign, Campaign.chamber_id == chamber.id) == 0


@pytest.mark.parametrize("field", ["payee", "category", "amount", "description"])
def test_a_file_for_a_text_field_of_an_expense(client, db, login, token_for, locked_campaign, field):
    campaign, _members = locked_campaign()
    chamber = db.get(Chamber, campaign.chamber_id)
    organizer = campaign.organizer
    data: dict[str, Any] = {"payee": "印刷厂", "category": "printing", "amount": "10.00", "description": "海报"}
    data[field] = file_part()
    before = count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id)
    api = f"/api/v1/chambers/{chamber.slug}/campaigns/{campaign.slug}/expenses"
    resp = client.post(api, data=dict(data), headers=token_for(organizer), content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.json["error"]["fields"][field] == FILE_MESSAGE
    login(organizer)
    data[field] = file_part()
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/{campaign.slug}/expenses", data=data,
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and field_errors(resp, field)[0] == FILE_MESSAGE
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id) == before


BAD_TEXT = ["\u200b\u200b", "\x07\x1b", "满200\x1b[2J减30", "减30\u202e03减", "名\u2067字"]


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_bad_text_in_titles_offers_and_descriptions_is_refused(client, db, create_chamber, create_member, token_for,
                                                              make_campaign, bad):
    chamber = create_chamber()
    headers = token_for(chamber.organizer)
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=campaign_body(title=bad), headers=headers)
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"title"}
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/campaigns", json=campaign_body(description=bad), headers=headers)
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"description"}
    assert count_rows(db, Campaign, Campaign.chamber_id == chamber.id) == 0

    campaign = make_campaign(chamber, status="open")
    member = create_member(chamber)
    url = f"/api/v1/chambers/{chamber.slug}/campaigns/{campaign.slug}/participation"
    for body, field in (({"offer_headline": bad}, "offer_headline"),
                        ({"offer_headline": "九折", "offer_details": bad}, "offer_details")):
        resp = client.put(url, json=body, headers=token_for(member.user))
        assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {field}, resp.text
    assert count_rows(db, Participation, Participation.campaign_id == campaign.id) == 0


# --------------------------------------------------------------------------- ids that do not fit


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

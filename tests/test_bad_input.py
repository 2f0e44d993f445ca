"""Inputs that used to reach the database: NUL bytes, broken Unicode, huge ids, non-ASCII digits."""
from __future__ import annotations

import pytest

from chamber.models import Chamber, Member, Tier
from chamber.rules import make_uscc
from tests.conftest import count_rows

EN = {"Accept-Language": "en"}


@pytest.mark.parametrize("body", [
    b'{"slug": "ok", "name": "a\\u0000b", "kind": "brand", "region": "r"}',
    b'{"slug": "ok", "name": "a\\ud800b", "kind": "brand", "region": "r"}',
    b'{"slug": "ok", "name": "fine", "kind": "brand", "region": ["x\\u0000"]}',
])
def test_unstorable_text_in_json_is_400(client, create_user, token_for, db, body):
    headers = {**token_for(create_user()), "Content-Type": "application/json", **EN}
    resp = client.post("/api/v1/chambers", data=body, headers=headers)
    assert resp.status_code == 400
    assert "cannot be stored" in resp.json["error"]["message"]
    assert count_rows(db, Chamber, Chamber.slug == "ok") == 0


def test_unstorable_text_in_forms_and_paths(client, create_user, login, db):
    resp = client.post("/api/v1/auth/tokens", json={"email": "\x00", "password": "x"})
    assert resp.status_code == 400
    assert client.get("/api/v1/chambers/a%00b").status_code == 404
    assert client.get("/c/a%00b").status_code == 404
    login(create_user())
    resp = client.post("/chambers/new", data={"slug": "nul", "name": "a\x00b", "kind": "brand", "region": "r"})
    assert resp.status_code == 400
    assert count_rows(db, Chamber, Chamber.slug == "nul") == 0


def test_huge_ids_are_404_or_400(client, create_chamber, create_member, token_for, login):
    chamber = create_chamber()
    headers = token_for(chamber.organizer)
    for member_id in ("3000000000", "99999999999999999999999"):
        assert client.post(f"/api/v1/chambers/{chamber.slug}/members/{member_id}/decision", json={"decision": "approve"},
                           headers=headers).status_code == 404
    for member_id, message in ((300000000000, "Not a member id."), (-1, "Not a member id."), (0, "Not a member id."),
                               ("5", "Expected a number."), ("²", "Expected a number."), (1.5, "Not a valid integer value.")):
        resp = client.post(f"/api/v1/chambers/{chamber.slug}/organizers", json={"member_id": member_id}, headers={**headers, **EN})
        assert resp.status_code == 400, member_id
        assert resp.json["error"]["fields"]["member_id"] == message, member_id
    login(chamber.organizer)
    assert client.get(f"/chambers/{chamber.slug}/manage/members/99999999999999999999").status_code == 404


def test_field_messages_are_whole_sentences(client, create_chamber, create_user, token_for):
    chamber = create_chamber()
    headers = {**token_for(create_user()), **EN}
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/applications", json={
        "business_name": "x", "uscc": make_uscc("91330106MA0000001"), "contact_name": "c", "phone": "abc123",
        "shop_url": "ftp:/x", "annual_revenue": "1.00"}, headers=headers)
    fields = resp.json["error"]["fields"]
    assert fields == {"phone": "A phone number has digits, spaces, +, - and brackets only.",
                      "shop_url": "Enter a web address starting with http:// or https://."}


def test_tier_errors_are_named_with_dots_and_too_many_tiers_refused(client, create_chamber, token_for, db):
    chamber = create_chamber()
    headers = {**token_for(chamber.organizer), **EN}
    url = f"/api/v1/chambers/{chamber.slug}/tiers"
    resp = client.put(url, json={"items": [{"key": "a", "name": "A", "weight": 2}]}, headers=headers)
    assert resp.json["error"]["fields"] == {"items.0.weight": "Expected a string."}
    resp = client.put(url, json={"items": [{"key": "a", "name": "A", "weight": "1"}, {"key": "a", "name": "B", "weight": "2"}]}, headers=headers)
    assert resp.json["error"]["fields"] == {"items": "Each tier needs its own key."}
    many = [{"key": f"t{i}", "name": f"T{i}", "weight": str(i + 1)} for i in range(25)]
    resp = client.put(url, json={"items": many}, headers=headers)
    assert resp.status_code == 400 and resp.json["error"]["fields"] == {"items": "At most 20 tiers."}
    assert count_rows(db, Tier, Tier.chamber_id == chamber.id) == 3


def test_tiers_page_shows_list_level_errors(client, create_chamber, login):
    chamber = create_chamber()
    login(chamber.organizer)
    resp = client.post(f"/chambers/{chamber.slug}/manage/tiers", data={
        "items-0-key": "a", "items-0-name": "A", "items-0-weight": "1",
        "items-1-key": "a", "items-1-name": "B", "items-1-weight": "2"}, headers=EN)
    assert resp.status_code == 400 and "Each tier needs its own key." in resp.text


def test_tier_rows_are_translated(client, create_chamber, token_for):
    chamber = create_chamber()
    resp = client.put(f"/api/v1/chambers/{chamber.slug}/tiers", json={"items": [{"key": "a", "name": "", "weight": "1"}]},
                      headers={**token_for(chamber.organizer), "Accept-Language": "zh-CN"})
    assert resp.json["error"]["fields"]["items.0.name"] != "This field is required."


@pytest.mark.parametrize("revenue", ["٣٤", "３４", "1e3"])
def test_only_ascii_digits_count_as_money(client, create_chamber, create_user, token_for, db, revenue):
    chamber = create_chamber()
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/applications", json={
        "business_name": "x", "uscc": make_uscc("91330106MA0000002"), "contact_name": "c", "phone": "123456",
        "shop_url": "", "annual_revenue": revenue}, headers=token_for(create_user()))
    assert resp.status_code == 400 and "annual_revenue" in resp.json["error"]["fields"]
    assert count_rows(db, Member, Member.chamber_id == chamber.id) == 0


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "Etc/GMT+8", "Mars/Olympus"])
def test_time_zone_must_be_a_place(client, create_user, token_for, zone):
    resp = client.post("/api/v1/chambers", json={"slug": "tz", "name": "n", "kind": "brand", "region": "r", "timezone": zone},
                       headers=token_for(create_user()))
    assert resp.status_code == 400 and "timezone" in resp.json["error"]["fields"]


def test_wrong_method_on_api_names_the_allowed_ones(client):
    resp = client.delete("/api/v1/me")
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]

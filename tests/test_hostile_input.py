"""Hostile input is a 400 by the field (or the API's error body) and changes nothing: never a 500.

Each case here answered 500 (or was saved) before: JSON nested hundreds of levels deep, a file
sent for a text field, invisible or control characters and direction overrides in names and
descriptions, text the database cannot store (NUL bytes, broken Unicode), ids too large for it,
digits that are not ASCII, time zones that are not places. The campaign cases:
tests/campaigns/test_hostile_campaign_input.py; random input to every route: test_no_server_errors.py.
"""
from __future__ import annotations

import io
from typing import Any

import pytest
from flask_wtf import FlaskForm

from chamber.forms import BaseForm, visible_text_problem
from chamber.hardening import MAX_JSON_DEPTH, json_too_deep
from chamber.models import Chamber, Member, User
from chamber.rules import make_uscc
from tests.conftest import PASSWORD, count_rows
from tests.helpers import field_errors, text

EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def english(client: Any) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


# --------------------------------------------------------------------------- JSON depth


def nested(levels: int) -> bytes:
    return ("[" * levels + "]" * levels).encode()


def test_json_depth_is_measured_without_brackets_in_strings():
    assert not json_too_deep('{"a": "' + "[" * 500 + '"}')
    assert not json_too_deep('{"a": "\\"' + "{" * 500 + '"}')
    assert not json_too_deep("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert json_too_deep("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert json_too_deep('{"a":' * 400 + "1" + "}" * 400)
    assert not json_too_deep("[1]," * 1000)  # many brackets, little depth


def test_deeply_nested_json_is_400_on_every_route(app, client, world, token_for, extra_world_params):
    from tests.test_tenant_isolation import url_for_rule

    headers = {**token_for(world["people"]["organizer"]), "Content-Type": "application/json"}
    params = {**world["params"], **extra_world_params}
    checked = 0
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"}):
            for body in (nested(400), b'{"email": ' + nested(2000) + b"}"):
                resp = client.open(url_for_rule(rule, params), method=method, data=body, headers=headers)
                assert resp.status_code == 400, f"{method} {rule.rule}: {resp.status_code}"
                if rule.rule.startswith("/api/"):
                    assert resp.json["error"]["code"] == "validation_error"
                    assert resp.json["error"]["message"] == "The JSON is nested too deeply: at most 32 levels."
                else:
                    assert "nested too deeply" in text(resp)
                checked += 1
    assert checked > 20


# --------------------------------------------------------------------------- a file where text belongs


def file_part(name: str = "x.txt") -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"not text"), name


FILE_MESSAGE = "Send this field as text, not as a file or a value of another kind."


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_file_for_a_text_field_on_login(client, create_user, field):
    user = create_user()
    data: dict[str, Any] = {"email": user.email, "password": PASSWORD, field: file_part()}
    resp = client.post("/login", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert field_errors(resp, field)[0] == FILE_MESSAGE


@pytest.mark.parametrize("field", ["email", "password", "display_name"])
def test_a_file_for_a_text_field_on_register(client, db, field):
    data: dict[str, Any] = {"email": "new@example.com", "password": "long enough password", "display_name": "N"}
    data[field] = file_part()
    resp = client.post("/register", data=data, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert field_errors(resp, field)[0] == FILE_MESSAGE
    assert count_rows(db, User, User.email == "new@example.com") == 0


def test_json_values_that_are_not_text_on_a_page_form(client, create_user, db):
    # a JSON object is read as the form (its values that are not text refused by the field); anything else is no form
    for body, message in (({"email": {"a": 1}, "password": ["x", 1]}, FILE_MESSAGE), ([1, 2], "This field is required."),
                          ("text", "This field is required."), ({"email": 5, "password": None}, FILE_MESSAGE)):
        resp = client.post("/login", json=body, headers={"Accept-Language": "en"})
        assert resp.status_code == 400, body
        html = resp.get_data(as_text=True)
        assert "<h1>Log in</h1>" in html and 'name="email"' in html  # the login form again, with what was wrong
        assert field_errors(resp, "email") == field_errors(resp, "password") == [message], body


def test_every_form_derives_from_base_form(app):
    """BaseForm is where text is checked for every field: a form that skips it skips the checks."""
    def subclasses(cls: type) -> list[type]:
        found: list[type] = []
        for sub in list[type](cls.__subclasses__()):
            found += [sub, *subclasses(sub)]
        return found

    forms = [c for c in subclasses(FlaskForm) if c.__module__.split(".")[0] in ("chamber", "campaigns", "pricing_alliance")]
    assert len(forms) > 15
    assert [f.__qualname__ for f in forms if not issubclass(f, BaseForm)] == []


# --------------------------------------------------------------------------- invisible and control characters


@pytest.mark.parametrize(("value", "problem"), [
    ("\u200b", "only invisible"), ("\u200b\u200d\ufeff \u2060", "only invisible"), ("\u3164", "only invisible"),
    ("\x07", "U+0007"), ("\x1b[31mred", "U+001B"), ("a\u202eb", "U+202E"), ("a\u2066b\u2069", "U+2066"),
    ("a\u202ab", "U+202A"), ("\x7f", "U+007F"), ("\x85x", "one line"), ("a\nb", "one line"), ("a\tb", "one line"),
])
def test_visible_text_problems(value, problem):
    assert problem in (visible_text_problem(value, one_line=True) or "")


@pytest.mark.parametrize("value", ["茶叶工作室", "👨‍👩‍👧 family shop", "Ärger & Co.", "a\u200db", "x\u00ady", "عربي"])
def test_ordinary_text_is_kept(value):
    assert visible_text_problem(value, one_line=True) is None
    assert visible_text_problem("第一行\n第二行\r\n\t缩进", one_line=False) is None


BAD_TEXT = ["\u200b\u200b", "\x07\x1b", "满200\x1b[2J减30", "减30\u202e03减", "名\u2067字"]


@pytest.mark.parametrize("bad", BAD_TEXT)
def test_bad_text_in_names_and_descriptions_is_refused(client, db, create_chamber, create_user, token_for, bad):
    user = token_for(create_user())
    resp = client.post("/api/v1/chambers", json={"slug": "bad", "name": bad, "kind": "brand", "region": "r"}, headers=user)
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"name"}
    resp = client.post("/api/v1/chambers", json={"slug": "bad", "name": "ok", "kind": "brand", "region": "r",
                                                 "description": bad}, headers=user)
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"description"}
    assert count_rows(db, Chamber, Chamber.slug == "bad") == 0

    chamber = create_chamber()
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/applications", json={
        "business_name": bad, "uscc": make_uscc("91330106MA0000009"), "contact_name": "c", "phone": "123456",
        "annual_revenue": "1.00"}, headers=user)
    assert resp.status_code == 400 and set(resp.json["error"]["fields"]) == {"business_name"}
    assert count_rows(db, Member, Member.chamber_id == chamber.id) == 0


def test_bad_text_on_a_page_is_shown_by_the_field(client, db, create_user, login):
    login(create_user())
    resp = client.post("/chambers/new", data={"slug": "bidi", "name": "abc\u202e", "kind": "brand", "region": "\u200b"})
    assert resp.status_code == 400
    assert field_errors(resp, "name") == ["Remove the invisible control character U+202E."]
    assert field_errors(resp, "region") == ["Write some visible text: this has only invisible characters."]
    assert count_rows(db, Chamber, Chamber.slug == "bidi") == 0


# --------------------------------------------------------------------------- what the database cannot store


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

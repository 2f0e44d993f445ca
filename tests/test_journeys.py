"""Journeys that used to lose people: apply → log in → register, landing after login, applying again,
and a members-only page opened by someone else."""
from __future__ import annotations

import html
import re
from urllib.parse import unquote, urlsplit

from chamber.rules import make_uscc
from tests.conftest import PASSWORD
from tests.helpers import text_of

EN = {"Accept-Language": "en"}


def href(page, testid):
    found = re.search(r'<a [^>]*href="([^"]+)"[^>]*data-testid="%s"' % testid, page)
    assert found, testid
    return html.unescape(found.group(1))


def test_apply_then_register_keeps_next(client, create_chamber):
    chamber = create_chamber()
    resp = client.get(f"/c/{chamber.slug}/apply")
    assert resp.status_code == 302
    login_url = resp.location
    assert urlsplit(login_url).path == "/login"
    register_url = href(client.get(login_url).text, "register-link")
    assert register_url.startswith("/register?next=")
    resp = client.post(register_url, data={"email": "newshop@example.com", "password": "longenough1",
                                           "display_name": "新店"})
    assert resp.status_code == 302 and resp.location == f"/c/{chamber.slug}/apply"
    # and back: the login link of the register page keeps it too
    assert unquote(href(client.get(register_url).text, "login-link")) == unquote(login_url)


def test_login_lands_on_the_only_chambers_dashboard(client, create_user, create_chamber, create_member):
    one = create_member()
    resp = client.post("/login", data={"email": one.user.email, "password": PASSWORD})
    assert resp.location == f"/chambers/{one.chamber.slug}/dashboard"
    client.post("/logout")
    organizer = create_user()
    create_chamber(organizer=organizer)
    create_chamber(organizer=organizer)
    resp = client.post("/login", data={"email": organizer.email, "password": PASSWORD})
    assert resp.location == "/"  # two chambers: the start page lists them
    client.post("/logout")
    resp = client.post("/login?next=/account", data={"email": one.user.email, "password": PASSWORD})
    assert resp.location == "/account"  # next wins
    client.post("/logout")
    nobody = create_user()
    assert client.post("/login", data={"email": nobody.email, "password": PASSWORD}).location == "/"


def test_apply_again_is_filled_with_the_rejected_application(client, create_chamber, create_member, login):
    chamber = create_chamber()
    uscc = make_uscc("91330106MA2H3K4L5")
    member = create_member(chamber=chamber, status="rejected", business_name="小满烘焙", uscc=uscc,
                           contact_name="林小满", phone="138 0000 1111", shop_url="https://shop.example.cn/x",
                           annual_revenue_minor=360_000_00, reason="营业执照照片不清晰")
    login(member.user)
    dashboard = client.get(f"/chambers/{chamber.slug}/dashboard").text
    form = client.get(href(dashboard, "apply-again")).text
    for name, value in (("business_name", "小满烘焙"), ("uscc", uscc), ("contact_name", "林小满"),
                        ("phone", "138 0000 1111"), ("shop_url", "https://shop.example.cn/x"),
                        ("annual_revenue", "360000.00")):
        assert re.search(r'name="%s"[^>]*value="%s"' % (name, re.escape(value)), form), name


def test_members_only_page_tells_outsiders_whom_it_is_for(client, create_chamber, create_user, login):
    chamber = create_chamber(name="西湖商会")
    login(create_user())
    for url in (f"/chambers/{chamber.slug}/campaigns", f"/chambers/{chamber.slug}/campaigns/no-such-campaign",
                f"/chambers/{chamber.slug}/dashboard"):
        resp = client.get(url, headers=EN)
        assert resp.status_code == 404, url
        assert text_of(resp, "error-message") == "This page is for the members of 西湖商会.", url
        assert href(resp.text, "public-page-link") == f"/c/{chamber.slug}"
        assert "no-such-campaign" not in text_of(resp, "error-message")
    resp = client.get(f"/chambers/{chamber.slug}/manage", headers=EN)
    assert resp.status_code == 404 and text_of(resp, "error-message") == "This page is for the organizers of 西湖商会."
    # a chamber that does not exist says so, with no link
    resp = client.get("/chambers/nope/campaigns", headers=EN)
    assert resp.status_code == 404 and 'data-testid="public-page-link"' not in resp.text
    # the API answers its usual 404
    assert client.get(f"/api/v1/chambers/{chamber.slug}/campaigns/x/shares").status_code in (401, 404)

"""?next= and the language switch never send anyone off the site."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chamber.rules import local_path
from tests.conftest import PASSWORD

HOSTILE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/ /evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "/%5Cevil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "https:evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\u200b/evil.example",
    "/\u3000/evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_next_is_refused(target):
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/account", "/c/xihu?tab=members", "/c/xihu/members?q=a%20b", "/c/xihu?"])
def test_paths_on_the_site_pass(target):
    assert local_path(target) == target


def _as_a_browser_reads(location: str) -> str:
    # WHATWG URL parsing: tabs and newlines vanish, backslashes are slashes, leading C0/space trimmed
    cleaned = "".join(c for c in location if c not in "\t\n\r").replace("\\", "/").strip("\x00- ")
    return cleaned


@given(st.lists(st.sampled_from([*"/\\\t\n :%.@?#ab09AF", "%09", "%2F", "%5C", "%2f", "\u3000"]), max_size=12).map("".join))
def test_what_passes_stays_on_the_site(target):
    result = local_path(target)
    if result is not None:
        read = _as_a_browser_reads(result)
        parts = urlsplit(read)
        assert read.startswith("/") and not read.startswith("//")
        assert not parts.scheme and not parts.netloc


@pytest.mark.parametrize("route", ["/login", "/register"])
@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "https:evil.example"])
def test_login_and_register_ignore_a_hostile_next(client, create_user, route, target):
    user = create_user()
    data = {"email": user.email, "password": PASSWORD}
    if route == "/register":
        data = {"email": f"new-{abs(hash(target))}@example.com", "password": "longenough1", "display_name": "x"}
    resp = client.post(f"{route}?next={target}", data=data)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_login_follows_a_local_next(client, create_user):
    user = create_user()
    resp = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert resp.headers["Location"] == "/account"


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "https:evil.example"])
def test_language_switch_ignores_a_hostile_next(client, target):
    resp = client.post(f"/language?next={target}", data={"locale": "en"})
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"


def test_language_switch_goes_back_to_the_referring_page_only(client):
    resp = client.post("/language", data={"locale": "en"}, headers={"Referer": "http://localhost/c/xihu?x=1"})
    assert resp.headers["Location"] == "/c/xihu?x=1"
    resp = client.post("/language", data={"locale": "en"}, headers={"Referer": "http://localhost/%09/evil.example"})
    assert resp.headers["Location"] == "/"

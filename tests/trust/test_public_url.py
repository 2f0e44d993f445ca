"""Absolute links (og:url/og:image, QR code, feeds, .ics) name the host the visitor asked for unless
CHAMBER_PUBLIC_URL says otherwise; the page cache keeps each host's page apart."""
from __future__ import annotations

import re
from typing import Any

import pytest


@pytest.fixture
def no_public_url(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")


def _og_url(html: str) -> str:
    found = re.search(r'<meta property="og:url" content="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def test_pages_feeds_and_calendars_name_the_request_s_host(client: Any, live_campaign: Any,
                                                           no_public_url: None) -> None:
    world = live_campaign()
    slug = world["chamber"].slug
    page = client.get(f"/c/{slug}/double11", base_url="https://chamber.example.cn").text
    assert _og_url(page) == f"https://chamber.example.cn/c/{slug}/double11"
    assert f'content="https://chamber.example.cn/c/{slug}/double11/share.png' in page or \
        "https://chamber.example.cn/c/" in page.split('property="og:image"', 1)[1][:200]
    assert "127.0.0.1:5000" not in page
    # another host gets its own page, never the one cached for the first
    other = client.get(f"/c/{slug}/double11", base_url="http://shanghai.example").text
    assert _og_url(other) == f"http://shanghai.example/c/{slug}/double11"
    assert "chamber.example.cn" not in other
    again = client.get(f"/c/{slug}/double11", base_url="https://chamber.example.cn").text
    assert _og_url(again) == f"https://chamber.example.cn/c/{slug}/double11"

    feed = client.get(f"/c/{slug}/feed.atom", base_url="https://chamber.example.cn").text
    assert f'href="https://chamber.example.cn/c/{slug}/feed.atom"' in feed and "127.0.0.1" not in feed
    ics = client.get(f"/c/{slug}/double11/calendar.ics", base_url="https://chamber.example.cn").text
    assert f"https://chamber.example.cn/c/{slug}/double11" in ics.replace("\r\n ", "")
    assert "@chamber.example.cn" in ics


def test_chamber_public_url_overrides_the_host(client: Any, app: Any, live_campaign: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://xihu.example.cn/")
    slug = live_campaign()["chamber"].slug
    page = client.get(f"/c/{slug}/double11", base_url="http://10.0.0.5:8000").text
    assert _og_url(page) == f"https://xihu.example.cn/c/{slug}/double11"


def test_outside_a_request_the_default_or_the_setting(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chamber.urls import DEFAULT_PUBLIC_URL, public_root

    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    with app.app_context():
        assert public_root() == DEFAULT_PUBLIC_URL == "http://127.0.0.1:5000"  # the scheduler's mail
    with app.test_request_context("/", base_url="https://chamber.example.cn"):
        assert public_root() == "https://chamber.example.cn"
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://xihu.example.cn")
    with app.app_context():
        assert public_root() == "https://xihu.example.cn"


def test_the_default_setting_is_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from chamber import config

    monkeypatch.delenv("CHAMBER_PUBLIC_URL", raising=False)
    assert config.load({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})["PUBLIC_URL"] == ""

"""Irreversible moves ask first, in the browser: a member withdraws (and finds the offer again), an organizer
goes live early and sees the start move."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install playwright")
from playwright.sync_api import expect

from chamber.demo import MEMBER_EMAIL, ORGANIZER_EMAIL
from tests.browser.test_campaign_flow import login


def test_member_withdraws_after_confirming_and_rejoins_without_retyping(new_page: Any, live_api: Any, shot: Any) -> None:
    slug = live_api.campaign(f"withdraw-{dt.datetime.now():%H%M%S%f}", "open")
    member = new_page("zh-CN")
    login(member, MEMBER_EMAIL)
    member.goto(f"/chambers/xihu/campaigns/{slug}")
    member.get_by_test_id("withdraw").click()
    expect(member.get_by_test_id("confirm")).to_be_visible()
    shot(member, "1-confirm-withdraw")
    member.get_by_test_id("confirm-back").click()
    expect(member.get_by_test_id("taking-part")).to_be_visible()  # going back changed nothing
    member.get_by_test_id("withdraw").click()
    member.get_by_test_id("confirm-button").click()
    expect(member.get_by_test_id("taking-part")).to_have_count(0)
    expect(member.locator("input[name=offer_headline]")).to_have_value("满200减30")
    expect(member.locator("textarea[name=offer_details]")).to_have_value("全店通用")
    shot(member, "2-withdrawn-offer-kept")
    member.get_by_test_id("opt-in").click()
    expect(member.get_by_test_id("taking-part")).to_be_visible()


def test_organizer_goes_live_early_after_confirming(new_page: Any, live_api: Any, shot: Any) -> None:
    slug = live_api.campaign(f"live-early-{dt.datetime.now():%H%M%S%f}", "locked")
    org = new_page("en-US")
    login(org, ORGANIZER_EMAIL)
    org.goto(f"/chambers/xihu/manage/campaigns/{slug}")
    org.get_by_test_id("move-live").click()
    expect(org.get_by_test_id("confirm")).to_contain_text("moves the start to now")
    shot(org, "1-confirm-live")
    org.get_by_test_id("confirm-button").click()
    expect(org.get_by_test_id("campaign-status")).to_have_attribute("data-status", "live")
    starts = dt.datetime.fromisoformat(live_api.call("GET", f"/chambers/xihu/campaigns/{slug}")["starts_at"])
    assert starts <= dt.datetime.now(dt.timezone.utc)

"""Settling from the page, as an organizer does it on a phone: tap a choice, read what it writes, confirm."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install playwright")
from playwright.sync_api import expect

from chamber.demo import ORGANIZER_EMAIL
from tests.browser.test_campaign_flow import login


@pytest.mark.parametrize("mode", ["refund", "carry"])
def test_organizer_settles_by_tapping_a_choice_and_confirming(new_page: Any, live_api: Any, shot: Any, mode: str) -> None:
    slug = live_api.campaign(f"settle-{mode}-{dt.datetime.now():%H%M%S%f}", "ended")
    org = new_page("zh-CN")
    login(org, ORGANIZER_EMAIL)
    org.goto(f"/chambers/xihu/manage/campaigns/{slug}")
    org.get_by_test_id("move-settled").click()
    # 300 + 100 paid, 200 spent: 200 left, refunded 3:1 or carried
    expect(org.get_by_test_id("plan-refund")).to_contain_text("¥150.00")
    expect(org.get_by_test_id("plan-refund")).to_contain_text("¥50.00")
    expect(org.get_by_test_id("plan-carry")).to_contain_text("¥200.00")
    expect(org.get_by_test_id("mode-refund")).to_be_checked()
    shot(org, f"1-settle-{mode}")
    org.get_by_test_id(f"mode-{mode}").click()
    org.get_by_test_id("save-settlement").click()
    expect(org.get_by_test_id("confirm")).to_be_visible()
    if mode == "refund":
        expect(org.get_by_test_id("confirm-rows")).to_contain_text("¥150.00")
    else:
        expect(org.get_by_test_id("confirm")).to_contain_text("¥200.00")
    shot(org, f"2-confirm-{mode}")
    org.get_by_test_id("confirm-button").click()
    expect(org.get_by_test_id("campaign-status")).to_have_attribute("data-status", "settled")
    shot(org, f"3-settled-{mode}")
    ledger = live_api.call("GET", f"/chambers/xihu/campaigns/{slug}/ledger")
    assert ledger["balances"]["available"] == "0.00"
    assert ledger["balances"]["carried" if mode == "carry" else "refunded"] == "200.00"

"""A shopper on a phone (390×844): the demo chamber's live campaign page, a subscription, a
complaint (with a <script> in it that must never run) followed on its tracking page while the
merchant answers and the chamber decides; the merchant page with its score and reviews."""
from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install playwright")
from playwright.sync_api import expect

from chamber.demo import DEMO_PASSWORD, ORGANIZER_EMAIL

SCRIPT = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"


def login(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.auth button[type=submit]")
    expect(page.get_by_test_id("account-link")).to_be_visible()


def test_shopper_opens_the_campaign_complains_and_follows_the_complaint(new_page: Any, shot: Any) -> None:
    page = new_page("zh-CN")
    page.goto("/c/xihu")
    # other browser tests add running campaigns to the same live chamber, so find the demo's by name
    demo = page.get_by_test_id("public-campaign").filter(has_text="双十一西湖好物节")
    expect(demo).to_have_count(1)
    shot(page, "1-chamber")
    demo.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/c/xihu/double11-live$"))
    expect(page.get_by_test_id("campaign-title")).to_have_text("双十一西湖好物节")
    offers = page.get_by_test_id("offer")
    expect(offers).to_have_count(6)
    expect(offers.first.locator(".badge-verified")).to_be_visible()
    expect(offers.first.get_by_test_id("credit-score")).to_contain_text("信用")
    expect(page.get_by_test_id("countdown").locator("time")).to_have_text(re.compile(r"\d{2}:\d{2}:\d{2}"))  # ticking (JS)
    expect(page.get_by_test_id("qr").locator("svg")).to_be_visible()
    assert page.locator('meta[property="og:image"]').get_attribute("content").endswith("/c/xihu/double11-live/share.png")
    shot(page, "2-campaign")

    # news of this campaign by email: right on the page, confirmed by a mailed link (double opt-in)
    form = page.get_by_test_id("subscribe-form")
    form.locator("input[name=email]").fill("fan@example.cn")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("subscribe-sent")).to_be_visible()
    shot(page, "2b-subscribed")
    page.go_back()

    tea = offers.filter(has_text="满300减50")
    merchant = tea.locator("h3").inner_text()
    tea.get_by_role("link", name="投诉").click()
    # the merchant whose offer card the link was on, not just any merchant id
    expect(page.get_by_test_id("complaint-merchant").locator("option:checked")).to_have_text(merchant)
    page.select_option("select[name=category]", "price")
    page.fill("textarea[name=description]", SCRIPT + " 结算价比页面上的联盟价贵了 20 元。")
    page.fill("input[name=contact_email]", "shopper@example.cn")
    shot(page, "3-complaint-form")
    page.get_by_test_id("send-complaint").click()
    expect(page.get_by_test_id("complaint-sent")).to_be_visible()
    code = page.get_by_test_id("tracking-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    expect(page.get_by_test_id("complaint-description")).to_contain_text("<script>window.__pwned = 1</script>")
    assert page.evaluate("window.__pwned") is None  # shown as text, never run
    expect(page.get_by_test_id("complaint-status")).to_have_text("已提交")
    shot(page, "4-tracking")

    # the chamber decides on its desk; the shopper sees it on the tracking page
    organizer = new_page("zh-CN")
    login(organizer, ORGANIZER_EMAIL)
    organizer.goto("/chambers/xihu/trust")
    item = organizer.get_by_test_id("desk-complaint").filter(has_text=code)
    expect(item).to_contain_text(merchant)
    assert organizer.evaluate("window.__pwned") is None
    item.locator("input[value=upheld]").check()
    item.locator("textarea[name=reason]").fill("结算价高于联盟价，商户已退差价。")
    item.get_by_role("button", name="处理").click()
    expect(organizer.locator(".flash-success")).to_be_visible()
    shot(organizer, "5-desk")

    page.goto(f"/complaints/{code}")
    expect(page.get_by_test_id("complaint-status")).to_have_text("投诉成立")
    expect(page.get_by_test_id("complaint-history").locator("li")).to_have_count(2)
    expect(page.get_by_test_id("complaint-history")).to_contain_text("结算价高于联盟价")
    shot(page, "6-decided")

    # the merchant page: verification, score breakdown, reviews with replies
    page.goto("/c/xihu/double11-live")
    page.get_by_test_id("offer").first.locator("h3 a").click()
    expect(page.get_by_test_id("score-breakdown")).to_contain_text("贝叶斯")
    expect(page.get_by_test_id("review").first).to_be_visible()
    shot(page, "7-merchant")

"""A price proposal in a real browser at a phone viewport (390×844), on the demo chamber "xihu":
a member proposes an alliance price, every participant votes (the page shows only the turnout
while voting is open), the organizer closes it and it is adopted, then a member lists a price."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install playwright")
from playwright.sync_api import expect

from chamber.demo import DEMO_PASSWORD, MEMBER_EMAIL, ORGANIZER_EMAIL
from pricing_alliance.demo import DEMO_CAMPAIGN_SLUG

VOTERS = [MEMBER_EMAIL] + [f"merchant{i:02d}@xihu.example" for i in range(2, 7)]


def login(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.auth button[type=submit]")
    expect(page.get_by_test_id("account-link")).to_be_visible()


def test_a_proposal_from_creation_to_adoption(new_page: Any, shot: Any) -> None:
    member = new_page("zh-CN")
    login(member, MEMBER_EMAIL)
    member.goto("/chambers/xihu/dashboard")
    member.get_by_test_id("alliance-link").click()
    member.locator(f"[data-testid=alliance-campaign][data-campaign='{DEMO_CAMPAIGN_SLUG}']").click()
    expect(member.get_by_test_id("alliance-price").first).to_contain_text("¥268.00")
    shot(member, "1-campaign-prices")

    member.get_by_test_id("propose-link").click()
    member.select_option("[data-testid=product-select]", label="西湖藕粉 500g")
    member.fill("input[name=price]", "62.00")
    member.fill("input[name=floor]", "66.00")  # above the price: refused by the field
    member.fill("input[name=ceiling]", "65.00")
    closes = (dt.date.today() + dt.timedelta(days=3)).isoformat() + "T20:00"
    member.fill("input[name=closes_at]", closes)
    member.get_by_test_id("submit-proposal").click()
    expect(member.locator(".field.has-error:has([name=floor]) .error")).to_be_visible()
    shot(member, "2-proposal-error")
    member.fill("input[name=floor]", "60.00")
    member.get_by_test_id("submit-proposal").click()
    expect(member.get_by_test_id("proposal-status")).to_have_attribute("data-status", "open")
    proposal_url = member.url
    member.get_by_test_id("vote-approve").click()
    expect(member.get_by_test_id("my-vote")).to_have_attribute("data-choice", "approve")
    expect(member.get_by_test_id("turnout")).to_contain_text("1")
    expect(member.get_by_test_id("result")).to_have_count(0)  # no running result while open
    shot(member, "3-voted")

    for n, email in enumerate(VOTERS[1:], start=2):
        other = new_page("zh-CN")
        login(other, email)
        other.goto(proposal_url)
        other.get_by_test_id("vote-reject" if n == 6 else "vote-approve").click()
        expect(other.get_by_test_id("my-vote")).to_be_visible()
        if n == 6:
            expect(other.get_by_test_id("turnout")).to_contain_text("6")
            shot(other, "4-everyone-voted")
        other.context.close()

    org = new_page("zh-CN")
    login(org, ORGANIZER_EMAIL)
    org.goto(proposal_url)
    org.get_by_test_id("close-proposal").click()
    expect(org.get_by_test_id("proposal-status")).to_have_attribute("data-status", "adopted")
    expect(org.get_by_test_id("approve")).to_have_text("5")
    expect(org.get_by_test_id("reject")).to_have_text("1")
    shot(org, "5-adopted")

    # the member is told, and lists a price that keeps to the new alliance price
    member.goto("/chambers/xihu/dashboard")
    expect(member.locator("[data-testid=alliance-notice][data-kind=proposal_result]").first).to_be_visible()
    member.goto(f"/chambers/xihu/campaigns/{DEMO_CAMPAIGN_SLUG}/alliance")
    card = member.locator("[data-testid=product]", has_text="西湖藕粉")
    expect(card.get_by_test_id("alliance-price")).to_contain_text("¥62.00")
    card.locator("input[name=price]").fill("70.00")
    card.get_by_test_id("list-price").click()
    card = member.locator("[data-testid=product]", has_text="西湖藕粉")
    expect(card.locator("[data-testid=problem][data-problem=above_ceiling]")).to_be_visible()
    card.locator("input[name=price]").fill("62.00")
    card.get_by_test_id("list-price").click()
    card = member.locator("[data-testid=product]", has_text="西湖藕粉")
    expect(card.get_by_test_id("compliant")).to_be_visible()
    shot(member, "6-listed")

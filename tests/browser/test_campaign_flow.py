"""A joint campaign in a real browser at a phone viewport (390×844), on the demo chamber "xihu".

The organizer creates and opens a campaign, a member opts in and sees their share, the
organizer locks it and records the member's payment. Selectors use field names and test ids.
"""
from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install playwright")
from playwright.sync_api import expect

from chamber.demo import DEMO_PASSWORD, MEMBER_EMAIL, ORGANIZER_EMAIL

_seq = itertools.count(1)


def login(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.auth button[type=submit]")
    expect(page.get_by_test_id("account-link")).to_be_visible()


def local(days: int) -> str:
    """A datetime-local value `days` from today, at 20:00 (read in the chamber's zone)."""
    return (dt.date.today() + dt.timedelta(days=days)).isoformat() + "T20:00"


def test_organizer_opens_member_joins_organizer_locks_and_records_a_payment(new_page: Any, shot: Any) -> None:
    slug = f"flow-{next(_seq)}-{dt.datetime.now():%H%M%S}"
    org = new_page("zh-CN")
    login(org, ORGANIZER_EMAIL)
    org.goto("/chambers/xihu/manage")
    org.get_by_test_id("campaigns-link").click()
    org.get_by_test_id("new-campaign").click()

    org.fill("input[name=title]", "双十一西湖商圈联合促销")
    org.fill("input[name=slug]", slug)
    org.select_option("select[name=festival]", "double11")
    org.fill("textarea[name=description]", "全商圈统一满减，联合投放抖音本地推广。")
    org.fill("input[name=optin_deadline]", local(10))
    org.fill("input[name=starts_at]", local(20))
    org.fill("input[name=ends_at]", local(5))  # before the start: refused by the field
    org.fill("input[name=budget]", "12000.005")  # too many decimals for CNY
    org.select_option("select[name=method]", "tier")
    org.fill("input[name=max_share_pct]", "40")
    org.get_by_test_id("save-campaign").click()
    expect(org.locator(".field.has-error:has([name=ends_at]) .error")).to_be_visible()
    expect(org.locator(".field.has-error:has([name=budget]) .error")).to_be_visible()
    shot(org, "1-create-errors")

    org.fill("input[name=ends_at]", local(23))
    org.fill("input[name=budget]", "12000.00")
    org.get_by_test_id("save-campaign").click()
    expect(org.get_by_test_id("campaign-status")).to_have_attribute("data-status", "draft")
    org.get_by_test_id("move-open").click()
    expect(org.get_by_test_id("campaign-status")).to_have_attribute("data-status", "open")
    shot(org, "2-opened")

    member = new_page("zh-CN")
    login(member, MEMBER_EMAIL)
    member.goto("/chambers/xihu/dashboard")
    member.get_by_test_id("campaigns-link").click()
    member.locator(f"a[href$='/campaigns/{slug}']").click()
    member.fill("input[name=offer_headline]", "龙井新茶满200减30")
    member.fill("textarea[name=offer_details]", "双十一当天下单再送茶点一份。")
    member.get_by_test_id("opt-in").click()
    expect(member.get_by_test_id("taking-part")).to_be_visible()
    # alone in the campaign with a 40 % cap the rule cannot share the budget yet; the page says why
    expect(member.get_by_test_id("my-participation")).to_contain_text("¥4,800.00")
    shot(member, "3-member-joined")

    # the organizer raises the cap so one merchant could carry it, then locks
    org.get_by_test_id("edit-campaign").click()
    org.fill("input[name=max_share_pct]", "100")
    org.get_by_test_id("save-campaign").click()
    member.reload()
    expect(member.get_by_test_id("my-share")).to_have_text("¥12,000.00")
    shot(member, "4-member-share")

    org.get_by_test_id("move-locked").click()
    expect(org.get_by_test_id("confirm-rows")).to_contain_text("¥12,000.00")  # what locking freezes
    shot(org, "4b-confirm-lock")
    org.get_by_test_id("confirm-button").click()
    expect(org.get_by_test_id("campaign-status")).to_have_attribute("data-status", "locked")
    org.get_by_test_id("record-payment").first.click()
    org.select_option("select[name=member_id]", index=1)
    org.fill("input[name=amount]", "5000.00")
    org.select_option("select[name=method]", "wechat_pay")
    org.fill("input[name=reference]", "WX20261111-0001")
    org.get_by_test_id("save-payment").click()
    expect(org.get_by_test_id("available")).to_have_text("¥5,000.00")
    expect(org.get_by_test_id("entries")).to_contain_text("WX20261111-0001")
    shot(org, "5-ledger")

    member.reload()
    expect(member.get_by_test_id("my-pledge")).to_have_text("¥12,000.00")
    expect(member.get_by_test_id("my-outstanding")).to_have_text("¥7,000.00")
    shot(member, "6-member-after-lock")

"""An organizer on a phone (390×844) writes an announcement in Markdown, previews it, schedules it
"3 days before the start at 10:00" of a campaign, sees it scheduled at the right Beijing time,
edits it to a fixed time, and cancels it; the chamber page links the feed and the calendar."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install playwright")
from playwright.sync_api import expect

from chamber.demo import DEMO_PASSWORD, ORGANIZER_EMAIL
from tests.browser.conftest import LiveApi

SCRIPT = "<script>window.__pwned = 1</script>"


def login(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.auth button[type=submit]")
    expect(page.get_by_test_id("account-link")).to_be_visible()


def test_organizer_writes_previews_and_schedules_an_announcement(new_page: Any, live_server: str, shot: Any) -> None:
    api = LiveApi(live_server)
    stamp = dt.datetime.now().strftime("%H%M%S%f")
    slug = api.campaign(f"ann-{stamp}", "open", title="双十二联合促销（公告）")
    campaign = api.call("GET", f"/chambers/xihu/campaigns/{slug}")
    start = dt.datetime.fromisoformat(campaign["starts_at"])  # with the +08:00 offset
    expected_day = (start - dt.timedelta(days=3)).date()

    page = new_page("en-US")
    login(page, ORGANIZER_EMAIL)
    page.goto("/chambers/xihu/manage")
    page.get_by_test_id("announcements-link").click()
    expect(page).to_have_url(re.compile(r"/chambers/xihu/manage/announcements$"))
    page.get_by_test_id("new-announcement").click()
    page.get_by_test_id("title").fill("双十二三天后开始")
    page.get_by_test_id("body").fill("## 满200减30\n\n- 全场通用\n- [活动页](https://example.cn/d12)\n\n" + SCRIPT)
    page.get_by_test_id("campaign").select_option(slug)
    page.check("#audience-participants")
    page.check("#audience-subscribers")
    page.check("#channels-webhook")
    page.get_by_test_id("schedule-relative").check()
    page.get_by_test_id("days").fill("3")
    page.get_by_test_id("direction").select_option("before")
    page.get_by_test_id("relative-to").select_option("starts_at")
    page.get_by_test_id("at-time").fill("10:00")
    shot(page, "1-written")

    page.get_by_test_id("preview-button").click()
    preview = page.get_by_test_id("preview")
    expect(preview.locator("h2", has_text="满200减30")).to_be_visible()
    expect(preview.locator("li")).to_have_count(2)
    expect(page.get_by_test_id("preview-when")).to_contain_text("10:00")
    assert page.evaluate("window.__pwned") is None  # the script was text, never run
    shot(page, "2-preview")

    page.get_by_test_id("save-announcement").click()
    expect(page.get_by_test_id("announcement-status")).to_have_attribute("data-status", "scheduled")
    when = page.get_by_test_id("scheduled-for").inner_text()
    assert "10:00" in when and "3 days before the start" in when, when
    assert str(expected_day.day) in when, (when, expected_day)
    expect(page.get_by_test_id("rendered-body").locator("h2")).to_have_text("满200减30")
    shot(page, "3-scheduled")
    found = re.search(r"/announcements/(\d+)$", page.url)
    assert found is not None, page.url
    announcement_id = int(found.group(1))
    shown = api.call("GET", f"/chambers/xihu/announcements/{announcement_id}")
    assert shown["scheduled_for"] == f"{expected_day.isoformat()}T10:00:00+08:00"
    assert shown["relative_to"] == "starts_at" and shown["offset"] == "-P3D"

    # edit: a fixed time instead, 09:30 Beijing time the day after tomorrow
    page.get_by_test_id("edit-announcement").click()
    page.get_by_test_id("schedule-at").check()
    day = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(days=2)).date()
    page.get_by_test_id("send-at").fill(f"{day.isoformat()}T09:30")
    page.get_by_test_id("save-announcement").click()
    expect(page.get_by_test_id("scheduled-for")).to_contain_text("09:30")
    assert api.call("GET", f"/chambers/xihu/announcements/{announcement_id}")["scheduled_for"] == \
        f"{day.isoformat()}T09:30:00+08:00"

    # cancel: a confirmation page first
    page.get_by_test_id("cancel-announcement").click()
    shot(page, "4-cancel")
    page.get_by_test_id("confirm-button").click()
    expect(page.get_by_test_id("announcement-status")).to_have_attribute("data-status", "cancelled")
    expect(page.get_by_test_id("edit-announcement")).to_have_count(0)
    shot(page, "5-cancelled")

    # the list shows it with its status
    page.goto("/chambers/xihu/manage/announcements")
    card = page.get_by_test_id("announcement").filter(has_text="双十二三天后开始")
    expect(card.get_by_test_id("announcement-status")).to_have_attribute("data-status", "cancelled")


def test_a_bad_offset_is_shown_by_the_field(new_page: Any, shot: Any) -> None:
    page = new_page("en-US")
    login(page, ORGANIZER_EMAIL)
    page.goto("/chambers/xihu/manage/announcements/new")
    page.get_by_test_id("title").fill("坏偏移")
    page.get_by_test_id("body").fill("正文")
    page.get_by_test_id("schedule-relative").check()
    page.fill("input[name=offset]", "three days before")
    page.get_by_test_id("save-announcement").click()
    expect(page.locator(".field.has-error .error").first).to_contain_text("ISO 8601")
    shot(page, "bad-offset")


def test_the_chamber_page_links_the_feed_and_the_calendar(new_page: Any, shot: Any) -> None:
    page = new_page("zh-CN")
    page.goto("/c/xihu")
    links = page.get_by_test_id("follow-links")
    expect(links.locator('a[href="/c/xihu/feed.atom"]')).to_be_visible()
    expect(links.locator('a[href="/c/xihu/calendar.ics"]')).to_be_visible()
    feed = page.request.get("/c/xihu/feed.atom")
    assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
    calendar = page.request.get("/c/xihu/calendar.ics")
    assert calendar.ok and b"BEGIN:VCALENDAR" in calendar.body()

"""Access in the browser: log out everywhere, and removing an organizer asks first."""
from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect

from tests.browser.test_core_flows import login, register, unique


def test_log_out_everywhere_ends_the_other_browsers_session(new_page: Any, shot: Any) -> None:
    phone = new_page("en-US")
    laptop = new_page("en-US")
    email = unique("everywhere") + "@example.com"
    register(phone, email, "Zhao Min")
    login(laptop, email)
    laptop.goto("/account")
    expect(laptop).to_have_url(re.compile(r"/account$"))

    phone.goto("/account")
    expect(phone.get_by_test_id("sessions")).to_contain_text("Log out everywhere")
    shot(phone, "1-account")
    phone.get_by_test_id("sessions").locator("button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/login"))
    expect(phone.locator(".flash")).to_contain_text("You are logged out on every device.")
    shot(phone, "2-logged-out")

    laptop.goto("/account")  # the other browser's cookie opens nothing any more
    expect(laptop).to_have_url(re.compile(r"/login"))
    expect(laptop.get_by_test_id("account-link")).to_have_count(0)


def test_removing_an_organizer_asks_first_and_keeps_the_last_one(new_page: Any, shot: Any) -> None:
    page = new_page("en-US")
    email = unique("founder") + "@example.com"
    register(page, email, "Qian Wei")
    slug = unique("duo-")
    page.goto("/chambers/new")
    page.fill("input[name=slug]", slug)
    page.fill("input[name=name]", "双人商会")
    page.fill("input[name=region]", "杭州")
    page.click("form.chamber-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/chambers/{slug}/manage$"))
    organizers = page.get_by_test_id("organizers")
    expect(organizers.locator("a")).to_have_count(0)  # the only organizer: no button
    expect(page.locator("main")).to_contain_text("The only organizer cannot step down")

    # the confirmation page, reached by its address, refuses with the reason and changes nothing
    page.goto("/account")
    page.fill("input[name=tok-name]", "setup")
    page.click("form[data-testid=token-form] button[type=submit]")
    secret = page.get_by_test_id("new-token").inner_text().strip()
    user_id = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["id"]
    page.goto(f"/chambers/{slug}/manage/demote/{user_id}")
    expect(page.get_by_test_id("demote")).to_contain_text("Step down as an organizer")
    shot(page, "1-confirm")
    page.get_by_test_id("confirm-demote").click()
    expect(page.get_by_test_id("demote")).to_contain_text("at least one organizer")
    shot(page, "2-refused")
    page.goto(f"/chambers/{slug}/manage")
    expect(page).to_have_url(re.compile(rf"/chambers/{slug}/manage$"))  # still an organizer

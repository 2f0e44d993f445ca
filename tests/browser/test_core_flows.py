"""End-to-end flows of the core pages in a real browser at a phone viewport (390×844).

The server runs the demo chamber "xihu". Each test uses its own accounts (the server's
database is shared by the whole session), so the tests may run in any order.
Selectors use form field names, test ids and roles, not wording, so they hold in both languages;
the wording is checked in the en-US tests.
"""
from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install playwright")
from playwright.sync_api import expect

from chamber.demo import DEMO_PASSWORD, MEMBER_EMAIL, ORGANIZER_EMAIL
from chamber.rules import make_uscc

PASSWORD = "browser-pass-2026"
_seq = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_seq)}"


def register(page: Any, email: str, name: str, password: str = PASSWORD) -> None:
    page.goto("/register")
    page.fill("input[name=email]", email)
    page.fill("input[name=display_name]", name)
    page.fill("input[name=password]", password)
    page.click("form.auth button[type=submit]")
    expect(page.get_by_test_id("account-link")).to_have_text(name)


def login(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.auth button[type=submit]")
    expect(page.get_by_test_id("account-link")).to_be_visible()


def logout(page: Any) -> None:
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("account-link")).to_have_count(0)


def field_error(page: Any, name: str) -> Any:
    """The error message shown next to the form field with this name."""
    return page.locator(f".field.has-error:has([name='{name}']) .error")


# --- accounts ----------------------------------------------------------------------------

def test_register_logout_and_login_with_wrong_password(new_page: Any, shot: Any) -> None:
    page = new_page("en-US")
    email = unique("reg") + "@example.com"

    page.goto("/register")
    page.fill("input[name=email]", email)
    page.fill("input[name=display_name]", "Lin Xiaoman")
    page.fill("input[name=password]", "short")
    page.click("form.auth button[type=submit]")
    expect(field_error(page, "password")).to_have_text("Use 10 to 200 characters.")
    shot(page, "1-register-error")

    page.fill("input[name=password]", PASSWORD)
    page.click("form.auth button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Welcome")
    expect(page.get_by_test_id("account-link")).to_have_text("Lin Xiaoman")
    shot(page, "2-registered")

    logout(page)
    expect(page.locator(".flash")).to_contain_text("You are logged out.")

    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "not the password")
    with page.expect_response(lambda r: r.url.endswith("/login") and r.request.method == "POST") as resp:
        page.click("form.auth button[type=submit]")
    assert resp.value.status == 400
    expect(field_error(page, "password")).to_have_text("Wrong email or password.")
    expect(page.locator("input[name=email]")).to_have_value(email)
    expect(page.get_by_test_id("account-link")).to_have_count(0)
    shot(page, "3-wrong-password")

    page.fill("input[name=password]", PASSWORD)
    page.click("form.auth button[type=submit]")
    expect(page.get_by_test_id("account-link")).to_have_text("Lin Xiaoman")
    expect(page).to_have_url(re.compile(r"/$"))


def test_login_redirects_back_to_the_protected_page(page: Any) -> None:
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Faccount"))
    page.fill("input[name=email]", MEMBER_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.auth button[type=submit]")
    expect(page).to_have_url(re.compile(r"/account$"))


def test_account_change_password_and_api_tokens(new_page: Any, shot: Any) -> None:
    page = new_page("en-US")
    email = unique("acct") + "@example.com"
    register(page, email, "Wang Lijuan")
    page.get_by_test_id("account-link").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    shot(page, "1-account")

    # wrong current password: the message sits next to that field and nothing changes
    page.fill("input[name=pw-current_password]", "not my password")
    page.fill("input[name=pw-new_password]", "brand-new-pass-1")
    page.fill("input[name=pw-confirm]", "brand-new-pass-1")
    page.click("form[data-testid=password-form] button[type=submit]")
    expect(field_error(page, "pw-current_password")).to_have_text("The current password is wrong.")
    page.fill("input[name=pw-current_password]", PASSWORD)
    page.fill("input[name=pw-new_password]", "brand-new-pass-1")
    page.fill("input[name=pw-confirm]", "brand-new-pass-2")
    page.click("form[data-testid=password-form] button[type=submit]")
    expect(field_error(page, "pw-confirm")).to_have_text("The two passwords differ.")
    shot(page, "2-password-errors")

    page.fill("input[name=pw-current_password]", PASSWORD)
    page.fill("input[name=pw-new_password]", "brand-new-pass-1")
    page.fill("input[name=pw-confirm]", "brand-new-pass-1")
    page.click("form[data-testid=password-form] button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Your password is changed. You are logged out everywhere else.")

    # an API token is shown once, works against the API, and stops working once revoked
    page.fill("input[name=tok-name]", "收银机 POS")
    page.click("form[data-testid=token-form] button[type=submit]")
    secret = page.get_by_test_id("new-token").inner_text().strip()
    assert len(secret) >= 20
    expect(page.locator("input[name=tok-name]")).to_have_value("")
    tokens = page.get_by_test_id("token")
    expect(tokens).to_have_count(1)
    expect(tokens.first).to_contain_text("收银机 POS")
    expect(tokens.first).to_contain_text(secret[:10])
    shot(page, "3-token-shown-once")
    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200 and me.json()["email"] == email

    page.goto("/account")  # (not reload(): that would post the form again and make a second token)
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    assert secret not in page.content()

    tokens.first.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text("The token is revoked.")
    expect(tokens.first.get_by_test_id("token-revoked")).to_be_visible()
    expect(tokens.first.locator("button")).to_have_count(0)
    shot(page, "4-token-revoked")
    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 401

    # the new password is the one that works now
    logout(page)
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.auth button[type=submit]")
    expect(field_error(page, "password")).to_be_visible()
    login(page, email, "brand-new-pass-1")


def test_language_switch_is_remembered(new_page: Any, shot: Any) -> None:
    # a visitor: the choice lives in a cookie
    page = new_page("zh-CN")
    page.goto("/c/xihu")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("lang-zh_CN")).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("lang-en").click()
    expect(page).to_have_url(re.compile(r"/c/xihu$"))  # back on the same page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("lang-en")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("complaint-stats").get_by_role("heading")).to_have_text("Complaints are handled")
    shot(page, "1-english")
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

    # a user: the choice is saved on the account and follows them to another browser
    email = unique("lang") + "@example.com"
    register(page, email, "Zhao Guifang")
    page.get_by_test_id("lang-zh_CN").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    shot(page, "2-chinese")

    other = new_page("en-US")
    other.goto("/")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    login(other, email)
    expect(other.locator("html")).to_have_attribute("lang", "zh-CN")


# --- chambers ----------------------------------------------------------------------------

def test_create_chamber_and_edit_tiers(new_page: Any, shot: Any) -> None:
    page = new_page("en-US")
    slug = unique("qiantang-")
    register(page, unique("founder") + "@example.com", "Chen Xiaoyan")
    page.goto("/")
    page.get_by_test_id("create-chamber").click()
    expect(page).to_have_url(re.compile(r"/chambers/new$"))
    page.fill("input[name=name]", "钱塘区电商联盟")
    page.fill("input[name=slug]", "Bad Slug!")
    page.fill("input[name=region]", "浙江省杭州市钱塘区")
    page.fill("textarea[name=description]", "钱塘区的网店店主一起做促销。")
    page.click("form.chamber-form button[type=submit]")
    expect(field_error(page, "slug")).to_contain_text("lowercase letters, digits and hyphens")
    expect(page.locator("input[name=name]")).to_have_value("钱塘区电商联盟")
    shot(page, "1-slug-error")
    page.fill("input[name=slug]", "xihu")
    page.click("form.chamber-form button[type=submit]")
    expect(field_error(page, "slug")).to_have_text("This web address is taken; choose another slug.")
    page.fill("input[name=slug]", slug)
    page.click("form.chamber-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/chambers/{slug}/manage$"))
    expect(page.locator(".flash-success")).to_contain_text("Your chamber is created.")
    expect(page.get_by_test_id("pending").locator("li")).to_have_count(1)  # the "no applications" line
    shot(page, "2-manage")

    page.get_by_test_id("edit-tiers").click()
    expect(page).to_have_url(re.compile(rf"/chambers/{slug}/manage/tiers$"))
    rows = page.locator("form.tiers-form tbody tr")
    expect(rows).to_have_count(5)  # three default tiers and two empty rows
    expect(rows.nth(0).locator("input[name$=-key]")).to_be_hidden()  # keys are made from names, out of sight
    shot(page, "3-tiers")
    rows.nth(2).locator("input[name$=-weight]").fill("abc")
    rows.nth(3).locator("input[name$=-name]").fill("旗舰")
    rows.nth(3).locator("input[name$=-weight]").fill("8")
    page.click("form.tiers-form button[type=submit]")
    expect(rows.nth(2).locator(".error")).to_be_visible()
    expect(rows.nth(3).locator("input[name$=-name]")).to_have_value("旗舰")  # the refused form comes back as sent
    shot(page, "4-tiers-error")
    rows.nth(2).locator("input[name$=-weight]").fill("4.5")
    page.click("form.tiers-form button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text("Tiers saved.")

    page.goto(f"/c/{slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text("钱塘区电商联盟")
    expect(page.get_by_test_id("member-count")).to_have_text("0")
    tiers = page.get_by_test_id("tier")
    expect(tiers).to_have_count(4)
    expect(tiers.nth(2)).to_contain_text("4.5")
    expect(tiers.nth(3)).to_contain_text("旗舰")
    shot(page, "5-public")


def test_apply_with_wrong_uscc_then_organizer_approves(new_page: Any, shot: Any) -> None:
    n = next(_seq)
    uscc = make_uscc(f"92330106MB{n:07d}")
    typo = uscc[:17] + ("1" if uscc[17] != "1" else "2")
    business = f"杭州小确幸甜品店{n}"

    applicant = new_page("zh-CN")
    register(applicant, unique("apply") + "@example.com", "许甜甜")
    applicant.goto("/c/xihu")
    applicant.get_by_test_id("apply").click()
    expect(applicant).to_have_url(re.compile(r"/c/xihu/apply$"))
    shot(applicant, "1-apply-form")
    applicant.fill("input[name=business_name]", business)
    applicant.fill("input[name=uscc]", typo.lower())
    applicant.fill("input[name=contact_name]", "许甜甜")
    applicant.fill("input[name=phone]", "138 0571 0000")
    applicant.fill("input[name=shop_url]", "https://shop.example.cn/xiaoquexing")
    applicant.fill("input[name=annual_revenue]", "360000.00")
    with applicant.expect_response(lambda r: r.url.endswith("/c/xihu/apply") and r.request.method == "POST") as resp:
        applicant.click("form.apply-form button[type=submit]")
    assert resp.value.status == 400
    error = field_error(applicant, "uscc")
    expect(error).to_have_count(1)
    expect(error).to_contain_text(f"“{typo[17]}”")
    expect(error).to_contain_text(f"“{uscc[17]}”")
    expect(applicant.locator("input[name=business_name]")).to_have_value(business)
    shot(applicant, "2-uscc-error")

    applicant.fill("input[name=uscc]", uscc)
    applicant.click("form.apply-form button[type=submit]")
    expect(applicant).to_have_url(re.compile(r"/chambers/xihu/dashboard$"))
    membership = applicant.get_by_test_id("membership")
    expect(membership).to_contain_text(business)
    expect(membership.locator(".badge-pending")).to_be_visible()
    shot(applicant, "3-pending")

    organizer = new_page("zh-CN")
    login(organizer, ORGANIZER_EMAIL, DEMO_PASSWORD)
    organizer.goto("/chambers/xihu/manage")
    pending = organizer.get_by_test_id("pending").locator("li", has_text=business)
    expect(pending).to_contain_text(uscc)
    shot(organizer, "4-manage")
    pending.locator("a").click()
    expect(organizer.get_by_role("heading", level=1)).to_have_text(business)
    expect(organizer.locator(".facts")).to_contain_text("¥360,000.00")
    # approving needs a tier: the message shows next to the tier field
    organizer.select_option("select[name=decision]", "approve")
    organizer.click("form.decision-form button[type=submit]")
    expect(field_error(organizer, "tier")).to_be_visible()
    shot(organizer, "5-decision-error")
    organizer.select_option("select[name=decision]", "approve")
    organizer.select_option("select[name=tier]", "growth")
    organizer.click("form.decision-form button[type=submit]")
    expect(organizer).to_have_url(re.compile(r"/chambers/xihu/manage$"))
    expect(organizer.locator(".flash-success")).to_contain_text(business)
    expect(organizer.get_by_test_id("pending")).not_to_contain_text(business)

    applicant.reload()
    expect(membership.locator(".badge-approved")).to_be_visible()
    expect(membership).to_contain_text("成长")
    shot(applicant, "6-approved")

    applicant.goto("/c/xihu/members")
    card = applicant.get_by_test_id("directory").locator("li", has_text=business)
    expect(card.locator(".badge-verified")).to_be_visible()
    expect(card).to_contain_text("成长")
    expect(card).not_to_contain_text(uscc)  # contact details are for organizers only


def test_organizer_rejects_with_reason_the_applicant_sees(new_page: Any, shot: Any) -> None:
    organizer = new_page("en-US")
    login(organizer, ORGANIZER_EMAIL, DEMO_PASSWORD)
    organizer.goto("/chambers/xihu/manage")
    row = organizer.get_by_test_id("pending").locator("li", has_text="西湖区晨光早餐车")  # applicant32
    row.locator("a").click()
    organizer.select_option("select[name=decision]", "reject")
    organizer.click("form.decision-form button[type=submit]")
    expect(field_error(organizer, "reason")).to_have_text("Give a reason: the merchant will see it.")
    reason = "营业执照上的经营范围不含食品销售，请补充食品经营许可证后再申请。"
    organizer.fill("textarea[name=reason]", reason)
    organizer.click("form.decision-form button[type=submit]")
    expect(organizer).to_have_url(re.compile(r"/chambers/xihu/manage$"))
    expect(organizer.locator(".flash-success")).to_contain_text("西湖区晨光早餐车")

    applicant = new_page("en-US")
    login(applicant, "applicant32@xihu.example", DEMO_PASSWORD)
    applicant.goto("/")
    applicant.get_by_test_id("my-chambers").locator("a", has_text="Xihu").first.click()
    expect(applicant).to_have_url(re.compile(r"/chambers/xihu/dashboard$"))
    membership = applicant.get_by_test_id("membership")
    expect(membership.locator(".badge-rejected")).to_be_visible()
    expect(membership).to_contain_text("Your application was not accepted.")
    expect(membership.locator(".reason")).to_contain_text(reason)
    shot(applicant, "1-rejected")
    expect(membership.get_by_test_id("apply-again")).to_have_attribute("href", re.compile(r"^/c/xihu/apply\?again=\d+$"))


def test_public_page_and_directory_with_verified_badges(new_page: Any, shot: Any) -> None:
    page = new_page("zh-CN")
    page.goto("/")
    page.locator("a", has_text="西湖区微商商会").first.click()
    expect(page).to_have_url(re.compile(r"/c/xihu$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("西湖区微商商会")
    count = int(page.get_by_test_id("member-count").inner_text())
    assert count >= 30
    expect(page.get_by_test_id("tier")).to_have_count(0)  # tier weights are the members' business, not visitors'
    expect(page.get_by_test_id("apply")).to_be_visible()
    shot(page, "1-public")

    page.get_by_test_id("directory-link").click()
    expect(page).to_have_url(re.compile(r"/c/xihu/members$"))
    cards = page.get_by_test_id("directory").locator("li.member")
    expect(cards).to_have_count(count)
    expect(page.locator(".badge-verified")).to_have_count(count)
    expect(page.locator(".badge-pending")).to_have_count(0)
    expect(page.get_by_test_id("directory")).not_to_contain_text("杭州新芽零食铺")  # a pending applicant
    tea = cards.filter(has_text="杭州西溪龙井茶叶工作室")
    expect(tea).not_to_contain_text("骨干")  # size tiers are for members and organizers
    expect(tea.locator("a[href='https://shop.example.cn/xixi-longjing']")).to_be_visible()
    expect(page.locator(".contact")).to_have_count(0)
    shot(page, "2-directory")

    # an organizer also sees the applicants and the contact details, with a review link
    organizer = new_page("zh-CN")
    login(organizer, ORGANIZER_EMAIL, DEMO_PASSWORD)
    organizer.goto("/c/xihu/members")
    applicant = organizer.get_by_test_id("directory").locator("li.member", has_text="杭州新芽零食铺")
    expect(applicant.locator(".badge-pending")).to_be_visible()
    expect(applicant.locator(".contact")).to_be_visible()
    shot(organizer, "3-directory-organizer")


def test_outsiders_cannot_see_organizer_pages(new_page: Any, shot: Any) -> None:
    page = new_page("en-US")
    login(page, MEMBER_EMAIL, DEMO_PASSWORD)
    response = page.goto("/chambers/xihu/manage")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("404")
    shot(page, "1-404")
    page.goto("/chambers/xihu/dashboard")
    expect(page.get_by_test_id("membership").locator(".badge-approved")).to_be_visible()
    expect(page.get_by_test_id("manage-link")).to_have_count(0)
    shot(page, "2-member-dashboard")

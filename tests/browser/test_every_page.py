"""Every page, as visitors, members and organizers see it, at a 360 px phone and a 1366 px desktop, in
Chinese and English: nothing scrolls sideways, axe-core finds no violation, every link and button is at
least 24×24 CSS px (WCAG 2.2, 2.5.8) and primary actions are 44 px high.

The core's pages are listed here by hand; each feature package lists its own in tests/<package>/pages.py
(NOT_PAGES, NOT_WALKED, pages(api, stamp): the campaigns they need are put in every state through the
API). `test_every_page_route_is_visited` fails when a page route is added without being listed.
"""
from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any

import pytest

from tests.needs import require_module

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing: pip install playwright")
require_module("axe_playwright_python", "pip install axe-playwright-python")  # skips locally, fails under CI
from axe_playwright_python.sync_playwright import Axe  # noqa: E402

from chamber.demo import DEMO_PASSWORD, MEMBER_EMAIL, ORGANIZER_EMAIL  # noqa: E402
from tests.browser.conftest import SCREENSHOTS  # noqa: E402

VIEWPORTS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1366, "height": 900}}
LOCALES = {"zh": "zh-CN", "en": "en-US"}

#: the core's routes that are files or redirects, not pages (the features' are in tests/<package>/pages.py)
NOT_PAGES = {"static", "trust.evidence"}

#: pages driven by their own tests only (every other page is in the walk below: the alliance, trust, public
#: campaign and demotion pages joined it). A page route in neither list fails test_every_page_route_is_visited.
NOT_YET_WALKED = {
    # need a token signed by the server or mailed (tests/notifications/test_delivery_pages.py,
    # test_inbox_and_subscriptions.py); a message of the user's own (walked: the inbox list)
    "notifications.unsubscribe", "notifications.confirm_subscription", "notifications.inbox_message",
    # the page of a review's confirmation mail (a "Publish my review" button): needs the mailed token
    # (tests/trust/test_reviews_and_complaints.py follows it)
    "trust.confirm",
}

#: in the browser: anything sticking out sideways, targets below 24×24 (a link inside a sentence of
#: text is exempt, as WCAG 2.5.8 allows), primary actions below 44 px
CHECKS = """() => {
  const problems = [];
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth > width)
    problems.push(`scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  // a box that scrolls sideways hides part of the page (e.g. a ledger's amounts) with nothing saying so
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${el.tagName.toLowerCase()}.${el.className} hides ${el.scrollWidth - el.clientWidth} px sideways`);
  }
  const describe = el => `${el.tagName.toLowerCase()} "${(el.textContent || el.value || el.name || '').trim().slice(0, 30)}"`;
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (r.right > width + 0.5) problems.push(`${describe(el)} sticks out on the right (${Math.round(r.right)} px)`);
    if (el.tagName === 'A' && style.display === 'inline') {
      const around = el.parentElement.textContent.replace(/\\s+/g, '').length - el.textContent.replace(/\\s+/g, '').length;
      if (around > 8) continue;  // in a sentence
    }
    if (r.width < 23.99 || r.height < 23.99)
      problems.push(`${describe(el)} is ${r.width.toFixed(1)}×${r.height.toFixed(1)} px`);
  }
  for (const el of document.querySelectorAll('.button.primary:not(.small)')) {
    const r = el.getBoundingClientRect();
    if (r.height && r.height < 43.99) problems.push(`primary ${describe(el)} is ${r.height.toFixed(1)} px high`);
  }
  return problems;
}"""


def _visitor_pages() -> list[str]:
    return ["/", "/login", "/register", "/c/xihu", "/c/xihu/members", "/c/xihu/subscribe"]


def feature_pages() -> list[Any]:
    """tests/<package>/pages.py of every enabled feature that has one."""
    from chamber import FEATURES

    found = []
    for name in FEATURES:
        module_name = f"tests.{name}.pages"
        try:
            found.append(importlib.import_module(module_name))
        except ModuleNotFoundError as err:
            if err.name not in (module_name, f"tests.{name}"):
                raise
    return found


@pytest.fixture(scope="module")
def pages(live_server: str) -> dict[str, list[str]]:
    """URLs to visit per role: the core's, then each feature's (made once through the API)."""
    from tests.browser.conftest import LiveApi

    api = LiveApi(live_server)
    stamp = dt.datetime.now().strftime("%H%M%S%f")
    members = api.call("GET", "/chambers/xihu/members")["items"]
    pending = next(m["member_id"] for m in members if m.get("status") == "pending")
    approved = next(m["member_id"] for m in members if m.get("status") == "approved")
    member = ["/account", "/chambers/new", "/c/xihu/apply", "/chambers/xihu/dashboard", "/chambers/xihu/profile"]
    organizer = ["/chambers/xihu/manage", "/chambers/xihu/manage/tiers", f"/chambers/xihu/manage/members/{pending}",
                 f"/chambers/xihu/manage/members/{approved}", "/chambers/xihu/deliveries", "/chambers/xihu/webhooks",
                 "/inbox", "/account/notifications"]
    complaint = api.call("POST", "/chambers/xihu/complaints", {
        "member_id": approved, "category": "quality", "description": "收到的茶叶受潮结块，联系客服没有回复。",
        "contact_email": f"walk{stamp}@example.cn"}, email="")
    me = api.call("GET", "/me")
    visitor = [
        *_visitor_pages(), "/language/en",
        f"/c/xihu/m/{approved}", f"/c/xihu/m/{approved}/review", "/c/xihu/complaints/new", f"/complaints/{complaint['tracking_code']}",
    ]
    organizer += ["/chambers/xihu/trust", f"/chambers/xihu/manage/demote/{me['id']}"]
    found = {"visitor": visitor, "member": member, "organizer": organizer}
    for feature in feature_pages():
        for role, urls in feature.pages(api, stamp).items():
            found[role] += urls
    return found


def test_every_page_route_is_visited(app: Any, pages: dict[str, list[str]]) -> None:
    listed = [url for urls in pages.values() for url in urls]
    adapter = app.url_map.bind("localhost")
    seen = {adapter.match(url, method="GET")[0] for url in listed}
    routes = {r.endpoint for r in app.url_map.iter_rules()
              if "GET" in r.methods and not r.rule.startswith("/api/") and r.endpoint not in NOT_PAGES | NOT_YET_WALKED}
    for feature in feature_pages():
        routes -= feature.NOT_PAGES | feature.NOT_WALKED
    assert routes - seen == set(), "page routes no browser test visits; list them in tests/<package>/pages.py " \
        "(a feature's) or tests/browser/test_every_page.py (the core's)"


def _login(page: Any, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.auth button[type=submit]")
    page.wait_for_selector("[data-testid=account-link]")


def _violations(axe: Any, page: Any) -> list[str]:
    found = axe.run(page).response["violations"]
    return [f"axe {v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(n["target"]) if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:4])
            for v in found]


@pytest.mark.parametrize("language", LOCALES)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_every_page_fits_and_passes_axe(browser: Any, live_server: str, pages: dict[str, list[str]],
                                        size: str, language: str) -> None:
    axe = Axe()
    SCREENSHOTS.mkdir(exist_ok=True)
    problems: list[str] = []
    for role, urls in pages.items():
        locale = LOCALES[language]
        context = browser.new_context(viewport=VIEWPORTS[size], locale=locale, base_url=live_server,
                                      extra_http_headers={"Accept-Language": locale})
        context.set_default_timeout(10000)
        page = context.new_page()
        try:
            if role != "visitor":
                _login(page, ORGANIZER_EMAIL if role == "organizer" else MEMBER_EMAIL)
            for url in urls:
                resp = page.goto(url)
                assert resp is not None and resp.status < 400, f"{role} {url}: {resp and resp.status}"
                where = f"[{size} {language} {role}] {url}"
                problems += [f"{where}: {p}" for p in page.evaluate(CHECKS)]
                problems += [f"{where}: {v}" for v in _violations(axe, page)]
                if size == "phone":
                    name = re.sub(r"[^A-Za-z0-9]+", "_", f"every-{language}-{role}-{url}").strip("_")
                    name = re.sub(r"_\d{12}", "", name)  # the campaigns' run stamp
                    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        finally:
            context.close()
    assert not problems, "\n".join(problems)

"""The campaigns' pages for the browser walk (tests/browser/test_every_page.py): each feature package
lists its own pages in tests/<package>/pages.py, so a new page is listed next to its package's tests.

NOT_PAGES: routes that are files, not pages. NOT_WALKED: pages driven by their own tests only.
pages(api, stamp): URLs per role ("visitor", "member", "organizer"), made on the demo chamber through
the live server's API (tests/browser/conftest.py LiveApi).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

NOT_PAGES = {"campaigns.ledger_csv", "campaigns.shares_csv", "campaigns.report_pdf", "campaigns.statement_pdf",
             "campaigns.receipt", "campaigns.collection_qr", "campaigns.flyer", "campaigns.share_image",
             "campaigns.offer_image", "announcements.chamber_feed", "announcements.campaign_feed",
             "announcements.chamber_calendar", "announcements.campaign_calendar"}
NOT_WALKED: set[str] = set()


def pages(api: Any, stamp: str) -> dict[str, list[str]]:
    """A campaign in every state (made once through the API), its pages, and the announcement pages."""
    slugs = {state: api.campaign(f"walk-{state}-{stamp}", state, title=f"中秋联合促销（{state}）")
             for state in ("draft", "open", "locked", "live", "ended", "settled")}
    api.call("POST", f"/chambers/xihu/campaigns/{slugs['draft']}/transitions", {"to": "cancelled"})
    slugs["cancelled"] = slugs.pop("draft")
    slugs["draft"] = api.campaign(f"walk-new-{stamp}", "draft", title="春节联合促销（草稿）")
    ledger = api.call("GET", f"/chambers/xihu/campaigns/{slugs['live']}/ledger")
    payment = next(e["id"] for e in ledger["items"] if e["type"] == "payment")
    settled = api.call("GET", f"/chambers/xihu/campaigns/{slugs['settled']}/ledger")
    refund = next(e["id"] for e in settled["items"] if e["type"] == "refund")
    c, m = "/chambers/xihu/campaigns", "/chambers/xihu/manage/campaigns"
    member = [c]
    for slug in slugs.values():
        if slug != slugs["draft"]:
            member += [f"{c}/{slug}", f"{c}/{slug}/ledger"]
    organizer = [m, f"{m}/new",
                 f"{m}/{slugs['open']}/edit", f"{m}/{slugs['draft']}/edit",
                 f"{m}/{slugs['live']}/payments", f"{m}/{slugs['live']}/expenses",
                 f"{m}/{slugs['live']}/ledger/{payment}/reversal", f"{m}/{slugs['ended']}/settlement",
                 f"{c}/{slugs['draft']}", "/chambers/xihu/manage/collection", f"{m}/{slugs['ended']}/write-offs",
                 f"{m}/{slugs['settled']}/ledger/{refund}/payout"]
    organizer += [f"{m}/{slug}" for slug in slugs.values()]
    when = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).isoformat(timespec="minutes")
    announcement = api.call("POST", "/chambers/xihu/announcements", {
        "title": "中秋联合促销三天后开始", "body": "**满200减30**，[详情](https://example.cn/a)", "campaign": slugs["open"],
        "audience": ["members", "participants"], "channels": ["inbox", "email", "feed"], "send_at": when,
    })["announcement_id"]
    a = "/chambers/xihu/manage/announcements"
    organizer += [a, f"{a}/new", f"{a}/{announcement}", f"{a}/{announcement}/edit", f"{a}/{announcement}/cancel"]
    visitor = ["/c/xihu/double11-live", "/c/xihu/double11-live/ledger"]
    return {"visitor": visitor, "member": member, "organizer": organizer}

"""The public Atom feeds and iCalendar files (parsed: XML by the standard library, .ics by icalendar),
their caching, and the organizers' announcement pages."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

import icalendar
from sqlalchemy import select

from campaigns.announcements.jobs import fire_due_announcements
from campaigns.announcements.models import Announcement
from tests.conftest import count_rows
from tests.helpers import field_errors, text, text_of

from .conftest import UTC, Scene, local, utcnow

ATOM = "{http://www.w3.org/2005/Atom}"


def schedule(client: Any, scene: Scene, **body: Any) -> int:
    payload = {"title": "双十一预告", "body": "**三天后**开始 <script>x</script>", "audience": ["members"],
               "channels": ["feed", "inbox"], "send_at": local(utcnow(), days=1)}
    payload.update(body)
    resp = client.post(scene.base, headers=scene.org_headers, json=payload)
    assert resp.status_code == 201, resp.text
    return int(resp.get_json()["announcement_id"])


def fire(app: Any, db: Any, announcement_id: int) -> None:
    db.expire_all()
    a = db.get(Announcement, announcement_id)
    assert fire_due_announcements(app, now=a.scheduled_for).get("fired", 0) >= 1 or a.status != "scheduled"


def entries(body: bytes) -> list[dict[str, str]]:
    root = ET.fromstring(body)
    assert root.tag == ATOM + "feed"
    out = []
    for e in root.findall(ATOM + "entry"):
        link = e.find(ATOM + "link")
        out.append({"id": e.findtext(ATOM + "id") or "", "title": e.findtext(ATOM + "title") or "",
                    "content": e.findtext(ATOM + "content") or "", "published": e.findtext(ATOM + "published") or "",
                    "link": (link.get("href") or "") if link is not None else ""})
    return out


# --------------------------------------------------------------------------- feeds


def test_chamber_and_campaign_feeds_list_published_announcements_only(app, client, scene, db):
    public = schedule(client, scene, title="公开公告", campaign=scene.campaign.slug)
    schedule(client, scene, title="还没发", send_at=local(utcnow(), days=3))
    private = schedule(client, scene, title="只给会员", channels=["inbox"])
    fire(app, db, public)
    fire(app, db, private)
    resp = client.get(f"/c/{scene.chamber.slug}/feed.atom")
    assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
    items = entries(resp.data)
    assert [i["title"] for i in items] == ["公开公告"]
    assert "<strong>三天后</strong>" in items[0]["content"] and "<script>" not in items[0]["content"]
    assert items[0]["link"].endswith(f"/c/{scene.chamber.slug}/{scene.campaign.slug}")
    assert items[0]["id"].startswith("tag:")
    campaign_feed = client.get(f"/c/{scene.chamber.slug}/{scene.campaign.slug}/feed.atom")
    assert [i["title"] for i in entries(campaign_feed.data)] == ["公开公告"]
    root = ET.fromstring(campaign_feed.data)
    assert scene.campaign.title in (root.findtext(ATOM + "title") or "")


def test_the_feed_is_cached_and_changes_when_an_announcement_is_published(app, client, scene, db):
    url = f"/c/{scene.chamber.slug}/feed.atom"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache" and entries(first.data) == []
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    a_id = schedule(client, scene)
    fire(app, db, a_id)
    after = client.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert [i["title"] for i in entries(after.data)] == ["双十一预告"]


def test_feeds_of_unknown_or_draft_things_are_404(client, scene, db, create_chamber):
    assert client.get("/c/no-such-chamber/feed.atom").status_code == 404
    assert client.get(f"/c/{scene.chamber.slug}/no-such/feed.atom").status_code == 404
    assert client.get(f"/c/{scene.chamber.slug}/no-such/calendar.ics").status_code == 404
    other = create_chamber()
    assert entries(client.get(f"/c/{other.slug}/feed.atom").data) == []


def test_feed_queries_are_constant(app, client, scene, db, count_queries):
    for i in range(2):
        fire(app, db, schedule(client, scene, title=f"公告 {i}", campaign=scene.campaign.slug))
    url = f"/c/{scene.chamber.slug}/feed.atom"
    app.extensions.pop("chamber.page_cache", None)
    with count_queries() as few:
        client.get(url)
    for i in range(5):
        fire(app, db, schedule(client, scene, title=f"更多 {i}", campaign=scene.campaign.slug))
    app.extensions.pop("chamber.page_cache", None)
    with count_queries() as many:
        assert len(entries(client.get(url).data)) == 7
    assert many() == few()


# --------------------------------------------------------------------------- calendars


def test_campaign_calendar_has_the_deadline_and_the_run(client, scene, db):
    resp = client.get(f"/c/{scene.chamber.slug}/{scene.campaign.slug}/calendar.ics")
    assert resp.status_code == 200 and resp.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(resp.data)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 2
    by_uid = {str(e["UID"]): e for e in events}
    assert len(by_uid) == 2
    deadline = next(e for e in events if "deadline" in str(e["UID"]))
    run = next(e for e in events if "deadline" not in str(e["UID"]))
    assert deadline.decoded("DTSTART") == scene.campaign.optin_deadline
    assert run.decoded("DTSTART") == scene.campaign.starts_at
    assert run.decoded("DTEND") == scene.campaign.ends_at
    assert str(run["SUMMARY"]) == scene.campaign.title
    assert str(run["URL"]).endswith(f"/c/{scene.chamber.slug}/{scene.campaign.slug}")
    assert b"BEGIN:VCALENDAR" in resp.data and b"budget" not in resp.data.lower()


def test_chamber_calendar_lists_its_public_campaigns(client, scene, db, create_chamber):
    from campaigns import operations as campaign_ops

    now = utcnow()
    draft = campaign_ops.create_campaign(
        db, scene.chamber, scene.organizer, slug="draft-one", title="草稿活动", festival="618", description="",
        starts_at=now + dt.timedelta(days=40), ends_at=now + dt.timedelta(days=41),
        optin_deadline=now + dt.timedelta(days=30), budget_minor=100, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None)
    db.commit()
    resp = client.get(f"/c/{scene.chamber.slug}/calendar.ics")
    cal = icalendar.Calendar.from_ical(resp.data)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert scene.campaign.title in summaries and draft.title not in " ".join(summaries)
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    etag = resp.headers["ETag"]
    assert client.get(f"/c/{scene.chamber.slug}/calendar.ics", headers={"If-None-Match": etag}).status_code == 304


def test_public_pages_link_the_feed_and_the_calendars(client, scene, db):
    page = client.get(f"/c/{scene.chamber.slug}/{scene.campaign.slug}").get_data(as_text=True)
    assert f'href="/c/{scene.chamber.slug}/{scene.campaign.slug}/feed.atom"' in page
    assert f'href="/c/{scene.chamber.slug}/{scene.campaign.slug}/calendar.ics"' in page
    chamber_page = client.get(f"/c/{scene.chamber.slug}").get_data(as_text=True)
    assert f'href="/c/{scene.chamber.slug}/feed.atom"' in chamber_page
    assert f'href="/c/{scene.chamber.slug}/calendar.ics"' in chamber_page


# --------------------------------------------------------------------------- pages


def page_form(scene: Scene, **fields: Any) -> dict[str, Any]:
    form = {"title": "双十一倒计时", "body": "# 三天后开始\n\n- 满200减30", "campaign": scene.campaign.slug,
            "audience": ["members", "participants"], "channels": ["inbox", "email", "feed"], "schedule": "relative",
            "days": "3", "direction": "before", "relative_to": "starts_at", "at_time": "10:00", "send_at": "",
            "offset": ""}
    form.update(fields)
    return form


def test_organizer_writes_previews_and_schedules(client, login, scene, db):
    login(scene.organizer)
    new = f"/chambers/{scene.chamber.slug}/manage/announcements/new"
    page = client.get(new, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "New announcement" in text(page)
    preview = client.post(new, data={**page_form(scene), "preview": "1"}, headers={"Accept-Language": "en"})
    assert preview.status_code == 200
    assert "<h1>三天后开始</h1>" in preview.get_data(as_text=True)
    expected = (scene.campaign.starts_at - dt.timedelta(days=3) + dt.timedelta(hours=10)).astimezone(
        dt.timezone(dt.timedelta(hours=8)))
    assert expected.strftime("%H:%M") == "10:00"
    assert "10:00" in text_of(preview, "preview-when")
    assert count_rows(db, Announcement) == 0  # a preview saves nothing
    resp = client.post(new, data=page_form(scene))
    assert resp.status_code == 302
    a = db.scalars(select(Announcement)).one()
    assert (a.relative_to, a.offset_iso, a.at_clock, a.status) == ("starts_at", "-P3D", "10:00", "scheduled")
    assert a.scheduled_for == expected.astimezone(UTC)
    detail = client.get(resp.headers["Location"], headers={"Accept-Language": "en"})
    assert "scheduled" in text_of(detail, "announcement-status")
    assert "<h1>三天后开始</h1>" in text_of(detail, "rendered-body") or "三天后开始" in text_of(detail, "rendered-body")
    listing = client.get(f"/chambers/{scene.chamber.slug}/manage/announcements", headers={"Accept-Language": "en"})
    assert "双十一倒计时" in text(listing) and "scheduled" in text(listing)


def test_page_shows_bad_input_by_the_field(client, login, scene, db):
    login(scene.organizer)
    new = f"/chambers/{scene.chamber.slug}/manage/announcements/new"
    en = {"Accept-Language": "en"}
    resp = client.post(new, data=page_form(scene, schedule="at", send_at="2020-01-01T10:00"), headers=en)
    assert resp.status_code == 400
    assert any("already passed" in e for e in field_errors(resp, "send_at"))
    resp = client.post(new, data=page_form(scene, channels=[]), headers=en)
    assert resp.status_code == 400 and "Choose at least one channel." in text(resp)
    resp = client.post(new, data=page_form(scene, audience=[]), headers=en)
    assert resp.status_code == 400 and "at least one audience" in text(resp)
    resp = client.post(new, data=page_form(scene, offset="three days"), headers=en)
    assert resp.status_code == 400 and "ISO 8601" in text(resp)
    resp = client.post(new, data=page_form(scene, campaign="", audience=["members"]), headers=en)
    assert resp.status_code == 400 and "needs the campaign" in text(resp)
    assert count_rows(db, Announcement) == 0


def test_edit_and_cancel_pages(client, login, scene, db):
    a_id = schedule(client, scene)
    login(scene.organizer)
    base = f"/chambers/{scene.chamber.slug}/manage/announcements/{a_id}"
    edit = client.get(base + "/edit")
    assert edit.status_code == 200 and 'value="双十一预告"' in edit.get_data(as_text=True)
    when = local(utcnow(), days=4, hour=9)
    resp = client.post(base + "/edit", data=page_form(scene, schedule="at", send_at=when, title="改了"))
    assert resp.status_code == 302
    db.expire_all()
    a = db.get(Announcement, a_id)
    assert a.title == "改了" and a.relative_to is None and a.scheduled_for.hour == 1  # 09:00 Beijing
    confirm = client.get(base + "/cancel")
    assert confirm.status_code == 200 and 'data-testid="confirm-button"' in confirm.get_data(as_text=True)
    assert client.post(base + "/cancel").status_code == 302
    db.expire_all()
    assert db.get(Announcement, a_id).status == "cancelled"
    assert client.get(base + "/edit").status_code == 302  # no longer editable: back to its page


def test_members_do_not_see_the_pages(client, login, scene, db):
    a_id = schedule(client, scene)
    login(scene.members[0].user)
    assert client.get(f"/chambers/{scene.chamber.slug}/manage/announcements").status_code == 404
    assert client.get(f"/chambers/{scene.chamber.slug}/manage/announcements/{a_id}").status_code == 404


def test_pages_have_no_inline_script_or_style(client, login, scene, db):
    a_id = schedule(client, scene)
    login(scene.organizer)
    for url in (f"/chambers/{scene.chamber.slug}/manage/announcements",
                f"/chambers/{scene.chamber.slug}/manage/announcements/new",
                f"/chambers/{scene.chamber.slug}/manage/announcements/{a_id}"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html


def test_a_sent_announcements_page_shows_failures_and_retries_them(app, client, login, scene, db):
    from sqlalchemy import update

    from chamber.notifications.models import Delivery

    a_id = schedule(client, scene, channels=["inbox", "email"])
    fire(app, db, a_id)
    db.execute(update(Delivery).where(Delivery.source == f"announcement:{a_id}", Delivery.channel == "email")
               .values(status="failed", last_error="550 no such mailbox"))
    db.commit()
    login(scene.organizer)
    url = f"/chambers/{scene.chamber.slug}/manage/announcements/{a_id}"
    page = client.get(url, headers={"Accept-Language": "en"})
    assert "0 pending · 3 sent · 3 failed" in text_of(page, "delivery-counts")
    html = page.get_data(as_text=True)
    assert f"/chambers/{scene.chamber.slug}/deliveries?source=announcement:{a_id}" in html.replace("%3A", ":")
    resp = client.post(url + "/retry", headers={"Accept-Language": "en"})
    assert resp.status_code == 302
    page = client.get(url, headers={"Accept-Language": "en"})
    assert "3 failed deliveries are queued again." in text(page)
    assert "3 pending · 3 sent · 0 failed" in text_of(page, "delivery-counts")


def test_a_missed_announcement_says_why_in_the_readers_language(app, client, login, scene, db):
    a_id = schedule(client, scene)
    db.expire_all()
    due = db.get(Announcement, a_id).scheduled_for
    assert fire_due_announcements(app, now=due + dt.timedelta(hours=2)) == {"missed": 1}
    login(scene.organizer)
    page = client.get(f"/chambers/{scene.chamber.slug}/manage/announcements/{a_id}", headers={"Accept-Language": "en"})
    assert "Not sent: the scheduler was not running" in text_of(page, "note")
    listing = client.get(f"/chambers/{scene.chamber.slug}/manage/announcements", headers={"Accept-Language": "zh-CN"})
    assert "调度程序没有运行" in text_of(listing, "note")

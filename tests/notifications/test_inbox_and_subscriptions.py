"""The inbox (page, nav count, API), preferences, and public subscriptions with double opt-in."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from chamber.notifications import operations as ops
from chamber.notifications.models import Delivery, NotificationPreference, Subscriber
from tests.conftest import count_rows

EN = {"Accept-Language": "en"}


def _messages(db: Any, app: Any, chamber: Any, user: Any, n: int = 3) -> None:
    with app.app_context():
        for i in range(n):
            ops.enqueue(db, chamber_id=chamber.id, source=f"announcement:{i}", channel="inbox", recipients=[user],
                        subject=f"公告 {i}", text=f"内容 {i}", html=f"<p>内容 <b>{i}</b><script>x</script></p>",
                        link="/c/x")
    db.commit()


def test_inbox_page_nav_count_and_mark_read(client: Any, db: Any, app: Any, create_chamber: Any, create_user: Any,
                                            login: Any) -> None:
    chamber, user, other = create_chamber(), create_user(), create_user()
    _messages(db, app, chamber, user)
    _messages(db, app, chamber, other, 1)
    login(user)
    page = client.get("/inbox", headers=EN)
    assert page.status_code == 200
    assert page.text.index("公告 2") < page.text.index("公告 1") < page.text.index("公告 0")  # newest first
    assert 'data-testid="unread-count">3<' in page.text
    [first_id] = [m.id for m in ops.inbox(db, user.id) if m.title == "公告 0"]
    message = client.get(f"/inbox/{first_id}")
    assert message.status_code == 200 and "<b>0</b>" in message.text and "<script>x" not in message.text
    assert ops.unread_count(db, user.id) == 2
    [others] = ops.inbox(db, other.id)
    assert client.get(f"/inbox/{others.id}").status_code == 404  # someone else's
    assert client.post("/inbox/read", data={}).status_code == 302
    assert ops.unread_count(db, user.id) == 0 and ops.unread_count(db, other.id) == 1
    assert "unread-count" not in client.get("/inbox").text


def test_inbox_api(client: Any, db: Any, app: Any, create_chamber: Any, create_user: Any, token_for: Any) -> None:
    chamber, user = create_chamber(name="西湖商会"), create_user()
    _messages(db, app, chamber, user)
    headers = token_for(user)
    body = client.get("/api/v1/me/inbox", headers=headers).get_json()
    assert body["unread"] == 3 and [m["title"] for m in body["items"]] == ["公告 2", "公告 1", "公告 0"]
    assert body["items"][0]["chamber"] == "西湖商会" and body["items"][0]["read"] is False
    assert body["items"][0]["link"].endswith("/c/x") and "<script>" not in body["items"][0]["html"]
    one = body["items"][1]["id"]
    assert client.post("/api/v1/me/inbox/read", json={"ids": [one]}, headers=headers).get_json() == {"marked": 1,
                                                                                                    "unread": 2}
    assert client.post("/api/v1/me/inbox/read", json={"ids": [0]}, headers=headers).status_code == 400
    assert client.post("/api/v1/me/inbox/read", json={}, headers=headers).get_json() == {"marked": 2, "unread": 0}
    assert client.get("/api/v1/me/inbox").status_code == 401


def test_preferences_page_and_api(client: Any, db: Any, create_user: Any, login: Any, token_for: Any) -> None:
    user = create_user()
    headers = token_for(user)
    items = {i["kind"]: i for i in client.get("/api/v1/me/notification-preferences", headers=headers).get_json()["items"]}
    assert items["chamber.application_approved"]["inbox"] is True and items["announcement"]["email"] is True
    resp = client.put("/api/v1/me/notification-preferences/announcement", json={"inbox": True, "email": False},
                      headers=headers)
    assert resp.get_json()["email"] is False and resp.get_json()["inbox"] is True
    assert client.put("/api/v1/me/notification-preferences/nope.kind", json={"inbox": True},
                      headers=headers).status_code == 404
    assert client.put("/api/v1/me/notification-preferences/announcement", json={"inbox": "yes"},
                      headers=headers).status_code == 400
    assert ops.wanted(db, [user.id], "announcement", "email") == set()
    login(user)
    page = client.get("/account/notifications")
    assert page.status_code == 200 and 'value="announcement|inbox"' in page.text
    assert client.post("/account/notifications", data={"on": ["announcement|email"]}).status_code == 302
    assert ops.wanted(db, [user.id], "announcement", "email") == {user.id}
    assert ops.wanted(db, [user.id], "announcement", "inbox") == set()
    assert ops.wanted(db, [user.id], "chamber.application_approved", "inbox") == set()  # unticked: off


def _confirm_link(db: Any, email: str) -> str:
    row = db.scalars(select(Delivery).where(Delivery.email == email, Delivery.kind == ops.CONFIRM_KIND)
                     .order_by(Delivery.id.desc())).first()
    assert row is not None
    match = re.search(r"https?://\S+/subscriptions/confirm/\S+", row.body_text)
    assert match, row.body_text
    return match.group(0)


def test_double_opt_in_on_the_page(client: Any, db: Any, create_chamber: Any) -> None:
    chamber = create_chamber()
    page = client.get(f"/c/{chamber.slug}")
    assert 'data-testid="subscribe-form"' in page.text
    bad = client.post(f"/c/{chamber.slug}/subscribe", data={"email": "not-an-email"}, headers=EN)
    assert bad.status_code == 400 and "name@example.cn" in bad.text
    assert count_rows(db, Subscriber) == 0
    unknown = client.post(f"/c/{chamber.slug}/subscribe", data={"email": "a@example.cn", "campaign": "nope"},
                          headers=EN)
    assert unknown.status_code == 400 and "no such campaign" in unknown.text
    done = client.post(f"/c/{chamber.slug}/subscribe", data={"email": "Fan@Example.cn"})
    assert done.status_code == 200 and 'data-testid="subscribe-sent"' in done.text
    sub = db.scalar(select(Subscriber).where(Subscriber.email == "fan@example.cn"))
    assert sub.status == "pending"  # nothing subscribed until the link is followed
    link = _confirm_link(db, "fan@example.cn")
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    db.expire_all()
    assert sub.status == "pending"  # a GET (a link scanner) confirms nothing
    assert client.post("/" + path).status_code == 200
    db.expire_all()
    assert sub.status == "confirmed" and sub.confirmed_at is not None
    again = client.post("/" + path, headers=EN)
    assert again.status_code == 400 and "used already" in again.text
    forged = client.post(f"/c/{chamber.slug}/subscriptions/confirm/forged-token", headers=EN)
    assert forged.status_code == 400 and "not valid" in forged.text


def test_subscriptions_api_contract(client: Any, db: Any, app: Any, create_chamber: Any) -> None:
    chamber = create_chamber()
    url = f"/api/v1/chambers/{chamber.slug}/subscriptions"
    bad = client.post(url, json={"email": "fan@"}, headers=EN)
    assert bad.status_code == 400 and "email" in bad.get_json()["error"]["fields"]
    resp = client.post(url, json={"email": "fan@example.cn"})
    assert resp.status_code == 202 and resp.get_json()["status"] == "pending_confirmation"
    token = _confirm_link(db, "fan@example.cn").rsplit("/", 1)[1]
    confirm = client.post(f"{url}/confirmations", json={"token": token})
    assert confirm.status_code == 200 and confirm.get_json() == {"status": "confirmed", "email": "fan@example.cn"}
    assert client.post(f"{url}/confirmations", json={"token": token}).status_code == 400  # used
    # confirmed: the same answer, and no mail (nobody learns who subscribed)
    before = count_rows(db, Delivery, Delivery.kind == ops.CONFIRM_KIND)
    assert client.post(url, json={"email": "fan@example.cn"}).status_code == 202
    assert count_rows(db, Delivery, Delivery.kind == ops.CONFIRM_KIND) == before
    # three confirmation mails an address a day, then 429 with the reason
    for _ in range(3):
        assert client.post(url, json={"email": "spam@example.cn"}).status_code == 202
    limited = client.post(url, json={"email": "spam@example.cn"}, headers=EN)
    assert limited.status_code == 429 and "today" in limited.get_json()["error"]["message"]


def test_subscribe_is_rate_limited_per_address(client: Any, create_chamber: Any, real_rate_limits: Any) -> None:
    chamber = create_chamber()
    answers = [client.post(f"/api/v1/chambers/{chamber.slug}/subscriptions",
                           json={"email": f"f{i}@example.cn"}).status_code for i in range(6)]
    assert answers == [202] * 5 + [429]


def test_unsubscribed_user_preference_row(db: Any, create_user: Any) -> None:
    user = create_user()
    assert ops.set_preference(db, user.id, "announcement", "email", False)
    assert not ops.set_preference(db, user.id, "announcement", "email", False)
    assert db.get(NotificationPreference, (user.id, "announcement", "email")).enabled is False


def _message_at(db: Any, app: Any, chamber: Any, user: Any, title: str, at: dt.datetime) -> int:
    with app.app_context():
        ops.enqueue(db, chamber_id=chamber.id, source=f"announcement:{title}", channel="inbox", recipients=[user],
                    subject=title, text="…", html="<p>…</p>", link="")
    [message] = [m for m in ops.inbox(db, user.id) if m.title == title]
    message.created_at = at
    db.commit()
    return message.id


#: 03:30 UTC on 10 March 2026: 12:30 in Tokyo, 04:30 in Berlin (winter time), 11:30 in Beijing
AT = dt.datetime(2026, 3, 10, 3, 30, tzinfo=dt.UTC)


def test_an_inbox_message_is_shown_in_its_chambers_time_zone(client: Any, db: Any, app: Any, create_chamber: Any,
                                                            create_user: Any, login: Any) -> None:
    """Never Beijing time by default: the time of a Tokyo chamber's message is Tokyo's, in the inbox and on
    the message's page."""
    tokyo, user = create_chamber(timezone="Asia/Tokyo"), create_user()
    message_id = _message_at(db, app, tokyo, user, "東京のお知らせ", AT)
    login(user)
    [when] = re.findall(r'data-testid="inbox-when">([^<]*)<', client.get("/inbox", headers=EN).text)
    assert "12:30" in when and "11:30" not in when
    page = client.get(f"/inbox/{message_id}", headers=EN).text
    [when] = re.findall(r'data-testid="message-when">([^<]*)<', page)
    assert "12:30" in when and "Japan" in when  # the zone named: Japan Standard Time


def test_an_inbox_across_chambers_shows_each_message_in_its_own_zone(client: Any, db: Any, app: Any,
                                                                    create_chamber: Any, create_user: Any,
                                                                    login: Any) -> None:
    """Messages of chambers in different zones: each in its own chamber's zone, and the zone is named."""
    user = create_user()
    _message_at(db, app, create_chamber(timezone="Asia/Tokyo"), user, "Tokyo news", AT)
    _message_at(db, app, create_chamber(timezone="Europe/Berlin"), user, "Berlin news", AT)
    login(user)
    page = client.get("/inbox", headers=EN).text
    shown = dict(re.findall(r'<strong>([^<]*)</strong></a>\s*<span class="muted when" data-testid="inbox-when">'
                            r'([^<]*)<', page))
    assert "12:30" in shown["Tokyo news"] and "Japan" in shown["Tokyo news"]
    assert "04:30" in shown["Berlin news"] and "Central European" in shown["Berlin news"]

"""Organizers see delivery counts and failures and retry them; webhooks; one-click unsubscribe."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chamber.notifications import operations as ops
from chamber.notifications.mail import unsubscribe_token
from chamber.notifications.models import Delivery, NotificationPreference, Subscriber, Webhook
from tests.conftest import count_rows


def _failed(db: Any, app: Any, chamber: Any, source: str = "announcement:3") -> None:
    with app.app_context():
        ops.enqueue(db, chamber_id=chamber.id, source=source, channel="email", recipients=["a@example.cn", "b@example.cn"],
                    subject="s", text="t")
    for row in db.scalars(select(Delivery).where(Delivery.source == source)).all()[:1]:
        row.status, row.attempts, row.last_error = "failed", 6, "SMTPDataError: (554, b'rejected as spam')"
    db.commit()


def test_organizer_sees_counts_and_failures_and_retries(client: Any, db: Any, app: Any, create_chamber: Any,
                                                        login: Any, token_for: Any) -> None:
    chamber = create_chamber()
    _failed(db, app, chamber)
    login(chamber.organizer)
    page = client.get(f"/chambers/{chamber.slug}/deliveries")
    assert page.status_code == 200
    assert "rejected as spam" in page.text and "a@example.cn" in page.text and "announcement:3" in page.text
    api = client.get(f"/api/v1/chambers/{chamber.slug}/deliveries?source=announcement:3",
                     headers=token_for(chamber.organizer)).get_json()
    assert api["counts"] == {"pending": 1, "sending": 0, "sent": 0, "failed": 1}
    assert api["failed"][0]["last_error"].endswith("rejected as spam')")
    resp = client.post(f"/chambers/{chamber.slug}/deliveries/retry", data={"source": "announcement:3"})
    assert resp.status_code == 302
    assert ops.delivery_counts(db, chamber.id, "announcement:3") == {"pending": 2, "sending": 0, "sent": 0, "failed": 0}
    _failed(db, app, chamber, "announcement:4")
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/deliveries/retry", json={},
                       headers=token_for(chamber.organizer))
    assert resp.get_json() == {"retried": 1}


def test_webhooks_must_be_http_or_https(client: Any, db: Any, create_chamber: Any, login: Any, token_for: Any) -> None:
    chamber = create_chamber()
    headers = token_for(chamber.organizer)
    for bad in ("ftp://example.cn/hook", "javascript:alert(1)", "file:///etc/passwd", "https://user:pw@example.cn/",
                "example.cn/hook", "https:// example.cn"):
        resp = client.post(f"/api/v1/chambers/{chamber.slug}/webhooks", json={"name": "x", "url": bad}, headers=headers)
        assert resp.status_code == 400, bad
        assert "http://" in resp.get_json()["error"]["fields"]["url"]
    assert count_rows(db, Webhook, Webhook.chamber_id == chamber.id) == 0
    made = client.post(f"/api/v1/chambers/{chamber.slug}/webhooks",
                       json={"name": "企业微信群", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"},
                       headers=headers)
    assert made.status_code == 201 and len(made.get_json()["secret"]) >= 32
    login(chamber.organizer)
    page = client.post(f"/chambers/{chamber.slug}/webhooks", data={"name": "钉钉", "url": "ftp://x"})
    assert page.status_code == 400 and "http://" in page.text
    assert "企业微信群" in page.text
    hook_id = made.get_json()["id"]
    assert client.post(f"/chambers/{chamber.slug}/webhooks/{hook_id}/delete").status_code == 302
    assert count_rows(db, Webhook, Webhook.chamber_id == chamber.id) == 0


def test_one_click_unsubscribe_forged_and_reused_tokens(client: Any, db: Any, app: Any, create_chamber: Any,
                                                        create_user: Any) -> None:
    chamber = create_chamber()
    user = create_user()
    token = unsubscribe_token(app.config["SECRET_KEY"], f"user:{user.id}", chamber.id, "announcement")
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and 'name="List-Unsubscribe"' in page.text
    assert count_rows(db, NotificationPreference) == 0  # a GET (link scanners) changes nothing
    # RFC 8058: the mail provider POSTs List-Unsubscribe=One-Click, without a CSRF token or cookie
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        done = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert done.status_code == 200
    pref = db.get(NotificationPreference, (user.id, "announcement", "email"))
    assert pref is not None and pref.enabled is False
    en = {"Accept-Language": "en"}
    again = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}, headers=en)
    assert again.status_code == 409 and "used already" in again.text
    forged = client.post(f"/unsubscribe/{token[:-3]}abc", data={"List-Unsubscribe": "One-Click"}, headers=en)
    assert forged.status_code == 400 and "not valid" in forged.text
    other_key = unsubscribe_token("another-secret", f"user:{user.id}", chamber.id, "announcement")
    assert client.get(f"/unsubscribe/{other_key}").status_code == 400


def test_a_subscriber_unsubscribes_and_pending_mail_is_dropped(client: Any, db: Any, app: Any,
                                                               create_chamber: Any) -> None:
    chamber = create_chamber()
    sub = Subscriber(chamber_id=chamber.id, email="fan@example.cn", status="confirmed", unsubscribe_hash="x" * 64,
                     confirmed_at=chamber.created_at)
    db.add(sub)
    db.flush()
    with app.app_context():
        ops.enqueue(db, chamber_id=chamber.id, source="announcement:9", channel="email", recipients=[sub],
                    subject="s", text="t")
    db.commit()
    token = unsubscribe_token(app.config["SECRET_KEY"], f"subscriber:{sub.id}", chamber.id, "announcement")
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    db.expire_all()
    assert sub.status == "unsubscribed"
    assert ops.delivery_counts(db, chamber.id, "announcement:9")["pending"] == 0
    assert client.post(f"/unsubscribe/{token}").status_code == 409

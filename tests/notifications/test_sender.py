"""The sender against a real SMTP server and a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import datetime as dt
import email.header
from typing import Any

import pytest
from sqlalchemy import select

from chamber.notifications import operations as ops
from chamber.notifications import rules
from chamber.notifications.mail import read_unsubscribe_token
from chamber.notifications.models import Delivery, Webhook
from chamber.notifications.sender import Sender


@pytest.fixture
def chamber(create_chamber: Any) -> Any:
    return create_chamber(name="西湖区微商商会")


def _enqueue_email(db: Any, app: Any, chamber: Any, recipients: list[Any], source: str = "announcement:1") -> None:
    with app.app_context():
        ops.enqueue(db, chamber_id=chamber.id, source=source, channel="email", recipients=recipients,
                    subject="双十一联合促销：全场九折", text="西湖商圈一起做双十一。\n\n欢迎光临！",
                    html="<p>西湖商圈一起做<strong>双十一</strong>。</p>", link="/c/xihu")
    db.commit()


def test_email_is_multipart_with_chinese_headers_and_one_click_unsubscribe(db: Any, app: Any, smtp: Any,
                                                                             chamber: Any, create_user: Any) -> None:
    user = create_user(display_name="王小明", email="wang@example.cn")
    _enqueue_email(db, app, chamber, [user, "guest@example.cn"])
    result = Sender(app).run_once()
    assert result.sent == 2 and not result.errors
    by_rcpt = {r.recipients[0]: r for r in smtp.received}
    assert set(by_rcpt) == {"wang@example.cn", "guest@example.cn"}
    raw = by_rcpt["wang@example.cn"].data
    assert b"\xe5" not in raw.split(b"\r\n\r\n", 1)[0]  # headers are 7-bit (RFC 2047 encoded words)
    message = by_rcpt["wang@example.cn"].message
    assert message["Subject"] == "双十一联合促销：全场九折"
    assert str(email.header.make_header(email.header.decode_header(message["To"]))) == "王小明 <wang@example.cn>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "欢迎光临" in text and "<strong>双十一</strong>" in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")  # (a long header is folded)
    assert unsubscribe.startswith("http") and "/unsubscribe/" in unsubscribe
    token = unsubscribe.rsplit("/", 1)[1]
    assert read_unsubscribe_token(app.config["SECRET_KEY"], token) == (f"user:{user.id}", chamber.id, "announcement")
    assert read_unsubscribe_token(app.config["SECRET_KEY"], token[:-2] + "xx") is None
    # a plain address (no account, no subscription) has nothing to unsubscribe from
    assert by_rcpt["guest@example.cn"].message["List-Unsubscribe"] is None
    rows = db.scalars(select(Delivery).where(Delivery.source == "announcement:1")).all()
    db.expire_all()
    assert all(r.status == "sent" and r.attempts == 1 and r.sent_at for r in rows)
    assert message["Message-ID"] == f"<{next(r.message_key for r in rows if r.user_id)}@chamber.example>"
    assert Sender(app).run_once().total == 0  # nothing left: nothing sent twice
    assert len(smtp.received) == 2


def test_refusing_smtp_is_retried_then_failed_with_the_reason_nothing_duplicated(db: Any, app: Any, smtp: Any,
                                                                                 chamber: Any) -> None:
    _enqueue_email(db, app, chamber, ["a@example.cn", "b@example.cn"])
    smtp.refuse = "451 4.3.0 mailbox busy, try later"
    app.config["DELIVERY_MAX_ATTEMPTS"] = 3
    try:
        sender = Sender(app)
        for _attempt in range(1, 3):
            result = sender.run_once()
            assert result.retried == 2, result
            assert ops.delivery_counts(db, chamber.id, "announcement:1")["pending"] == 2
        result = sender.run_once()
        assert result.failed == 2
    finally:
        app.config["DELIVERY_MAX_ATTEMPTS"] = 6
    db.expire_all()
    failed = ops.failed_deliveries(db, chamber.id, "announcement:1")
    assert len(failed) == 2 and all("451" in (d.last_error or "") and d.attempts == 3 for d in failed)
    assert smtp.received == []
    # the server recovers; the organizer retries the failed ones: each arrives once, same Message-ID
    keys = {d.email: d.message_key for d in failed}
    smtp.refuse = None
    assert ops.retry_failed(db, chamber.id, "announcement:1") == 2
    db.commit()
    assert Sender(app).run_once().sent == 2
    assert Sender(app).run_once().total == 0
    assert sorted(r.recipients[0] for r in smtp.received) == ["a@example.cn", "b@example.cn"]
    assert {r.recipients[0]: r.message["Message-ID"] for r in smtp.received} == {
        e: f"<{k}@chamber.example>" for e, k in keys.items()}


def test_smtp_down_means_retry_later_with_backoff(db: Any, app: Any, chamber: Any) -> None:
    from chamber.notifications.catcher import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)
    try:
        _enqueue_email(db, app, chamber, ["a@example.cn"])
        before = dt.datetime.now(dt.timezone.utc)
        result = Sender(app).run_once()
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25, MAIL_TIMEOUT=10)
    assert result.retried == 1 and "Connection" in result.errors[0]
    row = db.scalar(select(Delivery).where(Delivery.source == "announcement:1"))
    db.refresh(row)
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at >= before + dt.timedelta(seconds=29)  # 30 s after the first failure
    assert Sender(app).run_once().total == 0  # not due yet


def test_webhook_is_signed_with_a_stable_idempotency_key(db: Any, app: Any, chamber: Any,
                                                         webhook_server: Any) -> None:
    hook = Webhook(chamber_id=chamber.id, name="群机器人", url=webhook_server.url, secret="s3cret-" * 4)
    db.add(hook)
    db.commit()
    with app.app_context():
        ops.enqueue(db, chamber_id=chamber.id, source="announcement:5", channel="webhook", recipients=[hook],
                    subject="双十二", text="来了", link="/c/x")
    db.commit()
    app.config["DELIVERY_RETRY_SECONDS"] = 0
    webhook_server.status = 503
    try:
        assert Sender(app).run_once().retried == 1
        webhook_server.status = 200
        assert Sender(app).run_once().sent == 1
    finally:
        app.config["DELIVERY_RETRY_SECONDS"] = 30
    first, second = webhook_server.requests
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]
    for request in webhook_server.requests:
        headers = request["headers"]
        assert rules.verify_webhook(hook.secret, int(headers["X-Chamber-Timestamp"]), request["body"],
                                    headers["X-Chamber-Signature"])
        assert not rules.verify_webhook("wrong", int(headers["X-Chamber-Timestamp"]), request["body"],
                                        headers["X-Chamber-Signature"])
    assert second["json"]["title"] == "双十二" and second["json"]["source"] == "announcement:5"
    assert second["json"]["link"].endswith("/c/x")


def test_without_a_mail_server_each_message_is_written_to_instance_mail(db: Any, app: Any, chamber: Any,
                                                                         tmp_path: Any) -> None:
    saved = app.instance_path
    app.instance_path = str(tmp_path)
    try:
        _enqueue_email(db, app, chamber, ["a@example.cn"])
        assert Sender(app).run_once().sent == 1
    finally:
        app.instance_path = saved
    [written] = list((tmp_path / "mail").glob("*.eml"))
    assert b"Subject: =?utf-8?" in written.read_bytes()


def test_long_chinese_subjects_and_names_survive_the_encoding(app: Any) -> None:
    from email import message_from_bytes, policy

    from chamber.notifications.mail import build_message

    subject = "双十一联合促销：全场九折，西湖商圈一起做双十一，欢迎光临每一家店铺，满200减30，多买多送" * 3
    row = {"subject": subject, "body_text": "内容", "body_html": "<p>内容</p>", "link": "", "language": "zh_CN",
           "recipient": "subscriber:7", "chamber_id": 1, "kind": "announcement", "email": "fan@example.cn",
           "message_key": "k" * 32}
    with app.test_request_context():
        raw = build_message(app, row, display_name="杭州西溪龙井茶叶工作室的王小明").as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    assert max(len(line) for line in headers.split(b"\n")) <= 998 and headers.isascii()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed["To"].addresses[0].display_name == "杭州西溪龙井茶叶工作室的王小明"
    assert parsed["Message-ID"] == f"<{'k' * 32}@chamber.example>"

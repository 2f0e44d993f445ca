"""The outbox: one delivery per source × channel × recipient, inbox delivered with its 'sent' mark,
preferences and languages in notify(), counts and retries."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from chamber.notifications import operations as ops
from chamber.notifications.models import Delivery, InboxMessage, NotificationPreference, Webhook
from tests.conftest import count_rows


@pytest.fixture
def people(create_chamber: Any, create_user: Any, app: Any) -> Any:
    chamber = create_chamber()
    users = [create_user(), create_user(locale="en"), create_user(locale="zh_CN")]
    return chamber, users


def test_enqueue_twice_creates_each_delivery_once(db: Any, app: Any, people: Any) -> None:
    chamber, users = people
    with app.app_context():
        for _ in range(2):
            made = ops.enqueue(db, chamber_id=chamber.id, source="announcement:1", channel="email",
                               recipients=[*users, "Shopper@Example.cn", "shopper@example.cn"],
                               subject="双十一联合促销", text="全场九折", html="<p>全场<b>九折</b><script>x</script></p>",
                               link="/c/x")
            assert made == (4 if _ == 0 else 0)
    rows = db.scalars(select(Delivery).where(Delivery.source == "announcement:1")).all()
    assert sorted(r.recipient for r in rows) == sorted([*(f"user:{u.id}" for u in users), "email:shopper@example.cn"])
    assert all(r.status == "pending" and r.channel == "email" for r in rows)
    assert len({r.message_key for r in rows}) == 4
    assert "<script>" not in rows[0].body_html and "<b>九折</b>" in rows[0].body_html
    assert rows[0].link.startswith("http") and rows[0].link.endswith("/c/x")
    assert ops.delivery_counts(db, chamber.id, "announcement:1") == {"pending": 4, "sending": 0, "sent": 0, "failed": 0}
    assert ops.delivery_counts(db, chamber.id, "announcement:*")["pending"] == 4
    assert ops.delivery_counts(db, chamber.id, "announcement:2")["pending"] == 0


def test_inbox_message_and_sent_mark_are_written_together(db: Any, app: Any, people: Any) -> None:
    chamber, users = people
    with app.app_context():
        assert ops.enqueue(db, chamber_id=chamber.id, source="announcement:7", channel="inbox", recipients=users,
                           subject="通知", text="明天开会") == 3
        assert ops.enqueue(db, chamber_id=chamber.id, source="announcement:7", channel="inbox", recipients=users,
                           subject="通知", text="明天开会") == 0
    db.commit()
    assert count_rows(db, InboxMessage, InboxMessage.source == "announcement:7") == 3
    assert ops.delivery_counts(db, chamber.id, "announcement:7")["sent"] == 3
    assert ops.unread_count(db, users[0].id) == 1
    [message] = ops.inbox(db, users[0].id)
    assert message.title == "通知" and message.body_text == "明天开会"
    assert ops.mark_read(db, users[0].id) == 1
    assert ops.unread_count(db, users[0].id) == 0
    assert ops.mark_read(db, users[0].id) == 0


def test_wrong_recipient_for_a_channel_is_refused(db: Any, app: Any, people: Any) -> None:
    chamber, _users = people
    with app.app_context(), pytest.raises(ValueError, match="inbox delivery needs a user"):
        ops.enqueue(db, chamber_id=chamber.id, source="announcement:8", channel="inbox",
                    recipients=["a@example.cn"], subject="x", text="y")
    with app.app_context(), pytest.raises(ValueError, match="unknown channel"):
        ops.enqueue(db, chamber_id=chamber.id, source="announcement:8", channel="sms", recipients=[], subject="x", text="y")
    hook = Webhook(chamber_id=chamber.id, name="群机器人", url="https://example.cn/hook", secret="s" * 32)
    db.add(hook)
    db.flush()
    with app.app_context():
        assert ops.enqueue(db, chamber_id=chamber.id, source="announcement:8", channel="webhook", recipients=[hook],
                           subject="x", text="y") == 1


def test_notify_follows_preferences_and_languages(db: Any, app: Any, people: Any) -> None:
    chamber, users = people
    db.add(NotificationPreference(user_id=users[2].id, kind="chamber.application_approved", channel="email",
                                  enabled=False))
    db.flush()
    context = {"chamber_name": "西湖区微商商会", "business_name": "龙井茶"}
    with app.app_context():
        made = ops.notify(db, chamber_id=chamber.id, kind="chamber.application_approved",
                          source=ops.event_source("chamber.application_approved", 5), recipients=users,
                          context=context, link=f"/chambers/{chamber.slug}/dashboard")
        assert made == 5  # three inbox messages, two emails (the third user turned email off)
        again = ops.notify(db, chamber_id=chamber.id, kind="chamber.application_approved",
                           source=ops.event_source("chamber.application_approved", 5), recipients=[u.id for u in users],
                           context=context, link=f"/chambers/{chamber.slug}/dashboard")
        assert again == 0
    english = db.scalar(select(InboxMessage).where(InboxMessage.user_id == users[1].id))
    chinese = db.scalar(select(InboxMessage).where(InboxMessage.user_id == users[2].id))
    assert english.title == "Welcome to 西湖区微商商会"
    assert "approved" in english.body_text and english.link.endswith("/dashboard")
    assert "西湖区微商商会" in chinese.title and "Welcome" not in chinese.title
    assert chinese.link in chinese.body_text
    emails = db.scalars(select(Delivery).where(Delivery.channel == "email",
                                               Delivery.source == "event:chamber.application_approved:5")).all()
    assert sorted(d.user_id for d in emails) == sorted([users[0].id, users[1].id])
    assert all(d.email and d.body_html.startswith("<p>") for d in emails)


def test_notify_context_per_person_and_unknown_kind(db: Any, app: Any, people: Any) -> None:
    chamber, users = people
    with app.app_context():
        ops.notify(db, chamber_id=chamber.id, kind="chamber.application_rejected", source="event:x:1",
                   recipients=users[:2], channels=("inbox",), link="/x",
                   context=lambda user: {"chamber_name": "商会", "business_name": f"店{user.id}", "reason": "资料不全"})
        with pytest.raises(ValueError, match="undeclared notification kind"):
            ops.notify(db, chamber_id=chamber.id, kind="chamber.nope", source="event:x:2", recipients=users,
                       context={}, link="/x")
    messages = db.scalars(select(InboxMessage).where(InboxMessage.source == "event:x:1")).all()
    assert {m.user_id for m in messages} == {users[0].id, users[1].id}
    assert all(f"店{m.user_id}" in m.body_text and "资料不全" in m.body_text for m in messages)
    assert count_rows(db, Delivery, Delivery.source == "event:x:1", Delivery.channel == "email") == 0


def test_retry_failed_puts_them_back_with_the_same_key(db: Any, app: Any, people: Any) -> None:
    chamber, users = people
    with app.app_context():
        ops.enqueue(db, chamber_id=chamber.id, source="announcement:9", channel="email", recipients=users,
                    subject="s", text="t")
    row = db.scalar(select(Delivery).where(Delivery.source == "announcement:9"))
    row.status, row.attempts, row.last_error = "failed", 6, "550 mailbox unavailable"
    db.flush()
    key = row.message_key
    assert ops.delivery_counts(db, chamber.id, "announcement:9")["failed"] == 1
    assert [d.last_error for d in ops.failed_deliveries(db, chamber.id, "announcement:9")] == ["550 mailbox unavailable"]
    assert ops.retry_failed(db, chamber.id, "announcement:9") == 1
    db.expire_all()
    assert row.status == "pending" and row.attempts == 0 and row.message_key == key
    assert ops.retry_failed(db, chamber.id + 1000, "announcement:9") == 0  # another chamber's: nothing

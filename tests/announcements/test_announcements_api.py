"""Announcements through the API: write, schedule, bad input, edit, cancel, relative schedules that
follow the campaign, the time zone, firing with the misfire grace."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from campaigns import operations as campaign_ops
from campaigns.announcements import operations as ops
from campaigns.announcements.jobs import fire_due_announcements
from campaigns.announcements.models import Announcement, AnnouncementPost
from tests.conftest import count_rows

from .conftest import UTC, Scene, local, utcnow


def create(client: Any, scene: Scene, **body: Any) -> Any:
    payload = {"title": "双十一预告", "body": "**三天后**开始，[详情](https://example.cn/d11)",
               "audience": ["members"], "channels": ["inbox", "email", "feed"]}
    payload.update(body)
    return client.post(scene.base, headers=scene.org_headers, json=payload)


def get(client: Any, scene: Scene, announcement_id: int) -> dict[str, Any]:
    resp = client.get(f"{scene.base}/{announcement_id}", headers=scene.org_headers)
    assert resp.status_code == 200, resp.text
    return resp.get_json()


def row(db: Any, announcement_id: int) -> Announcement:
    db.expire_all()
    a = db.get(Announcement, announcement_id)
    assert a is not None
    return a


# --------------------------------------------------------------------------- writing and scheduling


def test_ten_oclock_beijing_is_stored_as_two_oclock_utc(client, scene, db):
    send_at = local(utcnow(), days=2, hour=10)
    resp = create(client, scene, send_at=send_at)
    assert resp.status_code == 201, resp.text
    body = resp.get_json()
    assert body["scheduled_for"] == send_at + ":00+08:00"
    a = row(db, body["announcement_id"])
    assert a.scheduled_for is not None and a.scheduled_for.utcoffset() == dt.timedelta(0)
    assert (a.scheduled_for.hour, a.scheduled_for.minute) == (2, 0)
    shown = get(client, scene, a.id)
    assert shown["status"] == "scheduled"
    assert shown["deliveries"] == {"pending": 0, "sent": 0, "failed": 0}


def test_an_offset_given_in_the_time_is_kept(client, scene, db):
    resp = create(client, scene, send_at=local(utcnow(), days=3, hour=2) + "Z")
    assert resp.status_code == 201, resp.text
    assert row(db, resp.get_json()["announcement_id"]).scheduled_for.hour == 2


def test_relative_to_the_start_three_days_before_at_ten(client, scene, db):
    resp = create(client, scene, campaign=scene.campaign.slug, relative_to="starts_at", offset="-P3DT0H",
                  at_time="10:00")
    assert resp.status_code == 201, resp.text
    a = row(db, resp.get_json()["announcement_id"])
    start = scene.campaign.starts_at  # 00:00 Beijing time
    assert a.scheduled_for == start - dt.timedelta(days=3) + dt.timedelta(hours=10)
    assert a.offset_iso == "-P3D"  # kept in its canonical spelling
    assert get(client, scene, a.id)["relative_to"] == "starts_at"


BAD = [
    ({"send_at": "2020-01-01T10:00"}, "send_at", "already passed"),
    ({"send_at": local(utcnow(), days=1), "audience": []}, "audience", "at least one audience"),
    ({"send_at": local(utcnow(), days=1), "channels": []}, "channels", "at least one channel"),
    ({"relative_to": "starts_at", "offset": "3 days before"}, "offset", "ISO 8601"),
    ({"relative_to": "starts_at", "offset": "-P3D"}, "campaign", "needs the campaign"),
    ({"audience": ["participants"], "send_at": local(utcnow(), days=1)}, "campaign", "participants"),
    ({"campaign": "no-such", "send_at": local(utcnow(), days=1)}, "campaign", "no such campaign"),
    ({"send_at": local(utcnow(), days=1), "channels": ["fax"]}, "channels", ""),
    ({"send_at": "next tuesday"}, "send_at", "ISO 8601"),
    ({}, "send_at", "send time"),
    ({"relative_to": "starts_at", "offset": "-P3D", "at_time": "25:00", "campaign": "X"}, "at_time", "HH:MM"),
    ({"title": "", "send_at": local(utcnow(), days=1)}, "title", ""),
]


@pytest.mark.parametrize("body, field, words", BAD)
def test_bad_input_is_refused_by_the_field_and_nothing_is_saved(client, scene, db, body, field, words):
    if body.get("campaign") == "X":
        body = {**body, "campaign": scene.campaign.slug}
    before = count_rows(db, Announcement)
    resp = create(client, scene, **body)
    assert resp.status_code == 400, resp.text
    error = resp.get_json()["error"]
    assert field in error["fields"], error
    assert words.lower() in error["fields"][field].lower(), error
    assert count_rows(db, Announcement) == before


def test_a_relative_time_that_has_passed_is_refused(client, scene, db):
    resp = create(client, scene, campaign=scene.campaign.slug, relative_to="optin_deadline", offset="-P30D")
    assert resp.status_code == 400
    assert "already passed" in resp.get_json()["error"]["fields"]["offset"]


def test_only_organizers(client, scene, db):
    resp = client.post(scene.base, headers=scene.member_headers, json={"title": "x"})
    assert resp.status_code == 404
    assert client.get(scene.base, headers=scene.member_headers).status_code == 404
    assert client.get(scene.base).status_code == 401


def test_draft_then_schedule_by_patch(client, scene, db):
    resp = create(client, scene, draft=True)
    assert resp.status_code == 201
    body = resp.get_json()
    assert body == {"announcement_id": body["announcement_id"], "scheduled_for": None, "status": "draft"}
    when = local(utcnow(), days=5)
    resp = client.patch(f"{scene.base}/{body['announcement_id']}", headers=scene.org_headers,
                        json={"send_at": when, "title": "改过的标题"})
    assert resp.status_code == 200, resp.text
    shown = resp.get_json()
    assert (shown["status"], shown["title"], shown["scheduled_for"]) == ("scheduled", "改过的标题", when + ":00+08:00")
    assert shown["body"].startswith("**三天后**")  # untouched fields keep their values


def test_patch_from_absolute_to_relative_and_bad_patch_changes_nothing(client, scene, db):
    a_id = create(client, scene, send_at=local(utcnow(), days=5)).get_json()["announcement_id"]
    url = f"{scene.base}/{a_id}"
    resp = client.patch(url, headers=scene.org_headers, json={"offset": "soon", "relative_to": "starts_at",
                                                              "campaign": scene.campaign.slug})
    assert resp.status_code == 400
    assert get(client, scene, a_id)["relative_to"] is None
    resp = client.patch(url, headers=scene.org_headers, json={"offset": "-P1D", "relative_to": "ends_at",
                                                              "campaign": scene.campaign.slug})
    assert resp.status_code == 200, resp.text
    assert resp.get_json()["send_at"] is None
    assert row(db, a_id).scheduled_for == scene.campaign.ends_at - dt.timedelta(days=1)


def test_cancel_until_sent(client, scene, db):
    a_id = create(client, scene, send_at=local(utcnow(), days=1)).get_json()["announcement_id"]
    resp = client.post(f"{scene.base}/{a_id}/cancel", headers=scene.org_headers)
    assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"
    again = client.post(f"{scene.base}/{a_id}/cancel", headers=scene.org_headers)
    assert again.status_code == 409 and "already cancelled" in again.get_json()["error"]["message"]
    edit = client.patch(f"{scene.base}/{a_id}", headers=scene.org_headers, json={"title": "再来"})
    assert edit.status_code == 409
    assert row(db, a_id).title == "双十一预告"


def test_a_sent_announcement_cannot_be_edited_or_cancelled(client, app, scene, db):
    a_id = create(client, scene, send_at=local(utcnow(), days=1)).get_json()["announcement_id"]
    fire_due_announcements(app, now=row(db, a_id).scheduled_for + dt.timedelta(seconds=1))
    assert row(db, a_id).status in ("sending", "sent")
    assert client.patch(f"{scene.base}/{a_id}", headers=scene.org_headers, json={"title": "x"}).status_code == 409
    assert client.post(f"{scene.base}/{a_id}/cancel", headers=scene.org_headers).status_code == 409


def test_list_and_preview(client, scene, db):
    create(client, scene, send_at=local(utcnow(), days=9), title="later")
    create(client, scene, send_at=local(utcnow(), days=2), title="sooner")
    items = client.get(scene.base, headers=scene.org_headers).get_json()["items"]
    assert [i["title"] for i in items][:2] == ["sooner", "later"]
    resp = client.post(f"{scene.base}/preview", headers=scene.org_headers,
                       json={"title": "t", "body": "# 标题\n\n<script>alert(1)</script> [x](javascript:alert(1))",
                             "audience": ["members"], "channels": ["inbox"], "send_at": local(utcnow(), days=1)})
    assert resp.status_code == 200, resp.text
    html = resp.get_json()["html"]
    assert "<h1>标题</h1>" in html and "<script>" not in html and 'href="javascript' not in html
    assert count_rows(db, Announcement) == 2


# --------------------------------------------------------------------------- the campaign moves


def test_relative_schedule_follows_the_campaign_when_its_dates_change(client, scene, db):
    a_id = create(client, scene, campaign=scene.campaign.slug, relative_to="starts_at", offset="-P3D",
                  at_time="10:00").get_json()["announcement_id"]
    before = row(db, a_id).scheduled_for
    campaign = scene.campaign
    # the organizer moves the campaign two days later (the edit page and the API call update_campaign)
    fields = {k: getattr(campaign, k) for k in campaign_ops.CAMPAIGN_FIELDS}
    fields.update(starts_at=campaign.starts_at + dt.timedelta(days=2), ends_at=campaign.ends_at + dt.timedelta(days=2))
    campaign_ops.update_campaign(db, campaign, **fields)
    db.commit()
    assert row(db, a_id).scheduled_for == before + dt.timedelta(days=2)
    assert get(client, scene, a_id)["scheduled_for"].endswith("T10:00:00+08:00")


def test_relative_schedule_follows_an_edit_through_the_api(client, scene, db):
    a_id = create(client, scene, campaign=scene.campaign.slug, relative_to="ends_at",
                  offset="-PT2H").get_json()["announcement_id"]
    campaign = scene.campaign
    body = client.get(f"/api/v1/chambers/{scene.chamber.slug}/campaigns/{campaign.slug}").get_json()
    new_end = (campaign.ends_at + dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    body["ends_at"] = new_end.isoformat()
    for k in ("status", "participant_count", "cancel_reason", "settlement_mode", "currency"):
        body.pop(k)
    body = {k: v for k, v in body.items() if v is not None}
    body["apportionment"] = {k: v for k, v in body["apportionment"].items() if v is not None}
    resp = client.put(f"/api/v1/chambers/{scene.chamber.slug}/campaigns/{campaign.slug}", headers=scene.org_headers,
                      json=body)
    assert resp.status_code == 200, resp.text
    assert row(db, a_id).scheduled_for == new_end - dt.timedelta(hours=2)


def test_going_live_early_moves_the_start_and_the_announcement(client, scene, db):
    a_id = create(client, scene, campaign=scene.campaign.slug, relative_to="starts_at",
                  offset="PT1H").get_json()["announcement_id"]
    campaign = scene.campaign
    campaign_ops.transition_campaign(db, campaign, "locked", scene.organizer)
    campaign_ops.transition_campaign(db, campaign, "live", scene.organizer)  # the start moves to now
    db.commit()
    assert abs(row(db, a_id).scheduled_for - (utcnow() + dt.timedelta(hours=1))) < dt.timedelta(minutes=1)


def test_fire_time_recomputes_from_the_campaign_even_if_the_row_is_stale(app, client, scene, db):
    a_id = create(client, scene, campaign=scene.campaign.slug, relative_to="starts_at",
                  offset="-P3D").get_json()["announcement_id"]
    a = row(db, a_id)
    due_then = a.scheduled_for
    # the campaign moves by a bulk UPDATE that no ORM hook sees
    from sqlalchemy import update

    from campaigns.models import Campaign
    db.execute(update(Campaign).where(Campaign.id == scene.campaign.id).values(
        starts_at=scene.campaign.starts_at + dt.timedelta(days=1)))
    db.commit()
    outcomes = fire_due_announcements(app, now=due_then + dt.timedelta(seconds=1))
    assert outcomes == {"rescheduled": 1}
    assert row(db, a_id).scheduled_for == due_then + dt.timedelta(days=1)
    assert count_rows(db, AnnouncementPost) == 0


def test_a_cancelled_campaign_cancels_its_relative_announcements_at_fire_time(app, client, scene, db):
    a_id = create(client, scene, campaign=scene.campaign.slug, relative_to="starts_at",
                  offset="-P1D").get_json()["announcement_id"]
    campaign_ops.transition_campaign(db, scene.campaign, "cancelled", scene.organizer, reason="人不够")
    db.commit()
    fire_due_announcements(app, now=row(db, a_id).scheduled_for)
    a = row(db, a_id)
    assert a.status == "cancelled" and a.note


# --------------------------------------------------------------------------- firing and the misfire grace


def test_fires_once_at_its_time_and_publishes_in_the_feed(app, client, scene, db):
    a_id = create(client, scene, send_at=local(utcnow(), days=1)).get_json()["announcement_id"]
    when = row(db, a_id).scheduled_for
    assert fire_due_announcements(app, now=when - dt.timedelta(seconds=1)) == {}
    assert fire_due_announcements(app, now=when) == {"fired": 1}
    assert fire_due_announcements(app, now=when + dt.timedelta(seconds=5)) == {}
    posts = db.scalars(select(AnnouncementPost).where(AnnouncementPost.announcement_id == a_id)).all()
    assert len(posts) == 1 and posts[0].public and "<strong>三天后</strong>" in posts[0].body_html
    assert row(db, a_id).fired_at == when


def test_a_misfire_within_the_grace_still_goes_out(app, client, scene, db):
    a_id = create(client, scene, send_at=local(utcnow(), days=1)).get_json()["announcement_id"]
    when = row(db, a_id).scheduled_for
    assert fire_due_announcements(app, now=when + dt.timedelta(minutes=59)) == {"fired": 1}


def test_a_misfire_beyond_the_grace_is_marked_missed_and_shown(app, client, scene, db):
    a_id = create(client, scene, send_at=local(utcnow(), days=1)).get_json()["announcement_id"]
    when = row(db, a_id).scheduled_for
    assert fire_due_announcements(app, now=when + dt.timedelta(minutes=61)) == {"missed": 1}
    shown = get(client, scene, a_id)
    assert shown["status"] == "missed" and "调度程序没有运行" in shown["note"]  # written by the clock: default language
    assert count_rows(db, AnnouncementPost) == 0
    # the organizer sends it at a new time
    resp = client.patch(f"{scene.base}/{a_id}", headers=scene.org_headers, json={"send_at": local(utcnow(), days=2)})
    assert resp.status_code == 200 and resp.get_json()["status"] == "scheduled"


def test_the_grace_is_configurable(app, client, scene, db):
    a_id = create(client, scene, send_at=local(utcnow(), days=1)).get_json()["announcement_id"]
    when = row(db, a_id).scheduled_for
    app.config["MISFIRE_GRACE_SECONDS"] = 60
    try:
        assert fire_due_announcements(app, now=when + dt.timedelta(minutes=2)) == {"missed": 1}
    finally:
        del app.config["MISFIRE_GRACE_SECONDS"]


def test_daily_countdown_goes_out_every_day_while_live(app, client, scene, db):
    resp = create(client, scene, campaign=scene.campaign.slug, daily_countdown=True, at_time="09:00",
                  title="双十一", channels=["feed"], audience=[])
    assert resp.status_code == 201, resp.text
    a_id = resp.get_json()["announcement_id"]
    start = scene.campaign.starts_at
    assert row(db, a_id).scheduled_for == start + dt.timedelta(hours=9)
    titles = []
    for day in range(6):
        fire_due_announcements(app, now=start + dt.timedelta(days=day, hours=9, seconds=1))
    titles = [p.title for p in db.scalars(select(AnnouncementPost).where(AnnouncementPost.announcement_id == a_id)
                                          .order_by(AnnouncementPost.occurrence))]
    # a 4-day campaign (00:00 day 1 → 00:00 day 5): four mornings, 3, 2, 1 days left, then the last day
    assert titles == ["双十一：还剩 3 天", "双十一：还剩 2 天", "双十一：还剩 1 天", "双十一：今天是最后一天！"]
    assert row(db, a_id).status == "sent"


def test_ops_resolve_the_audience_once_per_person(scene, db, create_member):
    create_member(scene.chamber, user=scene.organizer)  # the organizer is a member too
    a = Announcement(chamber_id=scene.chamber.id, campaign_id=scene.campaign.id, title="t", body="b",
                     audience="organizers,members,participants", channels="inbox", created_by_id=scene.organizer.id,
                     status="draft", occurrences=0, daily_countdown=False, note="")
    users = ops.resolve_audience(db, a).user_ids
    expected = {scene.organizer.id, scene.outsider.user_id, *(m.user_id for m in scene.members)}
    assert sorted(users) == sorted(expected) and len(users) == len(set(users))
    a.audience = "participants"
    assert sorted(ops.resolve_audience(db, a).user_ids) == sorted(m.user_id for m in scene.members)


def test_utc_column_round_trip_for_scheduled_for(db, scene):
    when = dt.datetime(2030, 1, 1, 2, 0, tzinfo=UTC)
    a = Announcement(chamber_id=scene.chamber.id, title="t", body="b", audience="members", channels="inbox",
                     created_by_id=scene.organizer.id, status="scheduled", scheduled_for=when, occurrences=0,
                     daily_countdown=False, note="")
    db.add(a)
    db.commit()
    assert row(db, a.id).scheduled_for == when


# --------------------------------------------------------------------------- deliveries through the outbox


def subscribe(db: Any, chamber_id: int, email: str, campaign_id: int = 0, status: str = "confirmed") -> None:
    import hashlib

    from chamber.notifications.models import Subscriber

    db.add(Subscriber(chamber_id=chamber_id, campaign_id=campaign_id, email=email, status=status,
                      unsubscribe_hash=hashlib.sha256(email.encode() + str(campaign_id).encode()).hexdigest(),
                      confirmed_at=utcnow() if status == "confirmed" else None))
    db.commit()


def test_firing_puts_one_delivery_per_recipient_and_channel_into_the_outbox(app, client, scene, db):
    from chamber.notifications.models import Delivery, InboxMessage, Webhook

    subscribe(db, scene.chamber.id, "fan@example.cn")
    subscribe(db, scene.chamber.id, "fan@example.cn", scene.campaign.id)  # twice subscribed, one mail
    subscribe(db, scene.chamber.id, "later@example.cn", status="pending")  # not confirmed: nothing
    subscribe(db, scene.chamber.id, scene.members[0].user.email)  # a member who also subscribed: one mail
    db.add(Webhook(chamber_id=scene.chamber.id, name="企业微信群", url="https://hook.example.cn/x", secret="s"))
    db.commit()
    a_id = create(client, scene, campaign=scene.campaign.slug, audience=["participants", "subscribers"],
                  channels=["inbox", "email", "webhook", "feed"], send_at=local(utcnow(), days=1)).get_json()[
        "announcement_id"]
    fire_due_announcements(app, now=row(db, a_id).scheduled_for)
    rows = db.scalars(select(Delivery).where(Delivery.source == f"announcement:{a_id}")).all()
    by_channel: dict[str, list[str]] = {}
    for d in rows:
        by_channel.setdefault(d.channel, []).append(d.recipient)
    participants = sorted(f"user:{m.user_id}" for m in scene.members)
    assert sorted(by_channel["inbox"]) == participants
    assert sorted(by_channel["email"]) == sorted([*participants, *(r for r in by_channel["email"]
                                                                   if r.startswith("subscriber:"))])
    assert len([r for r in by_channel["email"] if r.startswith("subscriber:")]) == 1
    assert len(by_channel["webhook"]) == 1
    assert all(d.subject == "双十一预告" and "三天后" in d.body_text for d in rows)
    assert all(d.link.endswith(f"/c/{scene.chamber.slug}/{scene.campaign.slug}") for d in rows)
    inbox = db.scalars(select(InboxMessage).where(InboxMessage.source == f"announcement:{a_id}")).all()
    assert sorted(f"user:{m.user_id}" for m in inbox) == participants
    shown = get(client, scene, a_id)
    assert shown["deliveries"] == {"pending": 4, "sent": 2, "failed": 0}  # inbox at once; mail and hook queued
    assert shown["status"] == "sending"
    # firing again (a second scheduler, a retry of the job) adds nothing
    a = row(db, a_id)
    a.status, a.occurrences = "scheduled", 0
    db.commit()
    from campaigns.announcements.models import AnnouncementPost
    db.execute(AnnouncementPost.__table__.delete().where(AnnouncementPost.announcement_id == a_id))
    db.commit()
    fire_due_announcements(app, now=a.scheduled_for)
    assert count_rows(db, Delivery, Delivery.source == f"announcement:{a_id}") == len(rows)


def test_users_who_turned_announcement_mail_off_get_the_inbox_only(app, client, scene, db):
    from chamber.notifications.models import Delivery, NotificationPreference

    user = scene.members[0].user
    db.add(NotificationPreference(user_id=user.id, kind="announcement", channel="email", enabled=False))
    db.commit()
    resp = create(client, scene, campaign=scene.campaign.slug, audience=["participants"],
                  send_at=local(utcnow(), days=1))
    a_id = resp.get_json()["announcement_id"]
    fire_due_announcements(app, now=row(db, a_id).scheduled_for)
    channels = db.scalars(select(Delivery.channel).where(Delivery.source == f"announcement:{a_id}",
                                                         Delivery.user_id == user.id)).all()
    assert sorted(channels) == ["inbox"]


def test_failed_deliveries_are_counted_and_retried_and_the_status_follows(app, client, scene, db):
    from sqlalchemy import update

    from chamber.notifications.models import Delivery

    a_id = create(client, scene, send_at=local(utcnow(), days=1), channels=["email"]).get_json()["announcement_id"]
    fire_due_announcements(app, now=row(db, a_id).scheduled_for)
    db.execute(update(Delivery).where(Delivery.source == f"announcement:{a_id}").values(
        status="failed", attempts=6, last_error="550 mailbox unavailable"))
    db.commit()
    fire_due_announcements(app, now=utcnow())  # nothing pending any more: sent (with failures)
    shown = get(client, scene, a_id)
    assert shown["status"] == "sent" and shown["deliveries"] == {"pending": 0, "sent": 0, "failed": 3}
    resp = client.post(f"{scene.base}/{a_id}/retry", headers=scene.org_headers)
    assert resp.status_code == 200, resp.text
    body = resp.get_json()
    assert body["retried"] == 3 and body["status"] == "sending"
    assert body["deliveries"] == {"pending": 3, "sent": 0, "failed": 0}


def test_ten_oclock_in_shanghai_fires_at_two_oclock_utc(app, client, scene, db):
    day = (utcnow() + dt.timedelta(days=3)).date()
    resp = create(client, scene, send_at=f"{day.isoformat()}T10:00")
    a_id = resp.get_json()["announcement_id"]
    two_utc = dt.datetime.combine(day, dt.time(2, 0), tzinfo=UTC)
    assert fire_due_announcements(app, now=two_utc - dt.timedelta(seconds=1)) == {}
    assert row(db, a_id).status == "scheduled"
    assert fire_due_announcements(app, now=two_utc) == {"fired": 1}
    post = db.scalars(select(AnnouncementPost).where(AnnouncementPost.announcement_id == a_id)).one()
    assert post.scheduled_for == two_utc and post.published_at == two_utc

"""Events people are told about through the outbox: applications decided (core); a campaign opened,
its deadline 24 hours away, the lock, a cancellation, the settlement (campaigns); in each person's
language, with a link to act; trust mail through the outbox."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from campaigns import jobs as campaign_jobs
from campaigns import operations as campaign_ops
from chamber.chambers.operations import decide_membership
from chamber.notifications.models import Delivery, InboxMessage

NOW = dt.datetime.now(dt.timezone.utc)


def _inbox(db: Any, user: Any, kind: str) -> list[InboxMessage]:
    return list(db.scalars(select(InboxMessage).where(InboxMessage.user_id == user.id, InboxMessage.kind == kind)))


def _emails(db: Any, user: Any, kind: str) -> list[Delivery]:
    return list(db.scalars(select(Delivery).where(Delivery.user_id == user.id, Delivery.kind == kind,
                                                  Delivery.channel == "email")))


def test_application_decisions_reach_the_applicant_in_their_language(db: Any, app: Any, create_chamber: Any,
                                                                     create_member: Any, create_user: Any) -> None:
    chamber = create_chamber(name="西湖区微商商会")
    english = create_member(chamber=chamber, user=create_user(locale="en"), status="pending", business_name="龙井茶")
    chinese = create_member(chamber=chamber, status="pending", business_name="丝绸店")
    with app.app_context():
        decide_membership(db, chamber, english, "approve", "micro", "", chamber.organizer)
        decide_membership(db, chamber, chinese, "reject", None, "营业执照照片看不清", chamber.organizer)
    [approved] = _inbox(db, english.user, "chamber.application_approved")
    assert approved.title == "Welcome to 西湖区微商商会" and "龙井茶" in approved.body_text
    assert approved.link.endswith(f"/chambers/{chamber.slug}/dashboard")
    [rejected] = _inbox(db, chinese.user, "chamber.application_rejected")
    assert "营业执照照片看不清" in rejected.body_text and "未获通过" in rejected.title
    assert rejected.link.endswith(f"/c/{chamber.slug}/apply")
    [mail] = _emails(db, chinese.user, "chamber.application_rejected")
    assert mail.language == "zh_CN" and mail.status == "pending"


def _campaign(db: Any, chamber: Any, **fields: Any) -> Any:
    values = {"slug": "double11", "title": "双十一联合促销", "festival": "double11", "description": "",
              "starts_at": NOW + dt.timedelta(days=20), "ends_at": NOW + dt.timedelta(days=30),
              "optin_deadline": NOW + dt.timedelta(days=10), "budget_minor": 1000_00, "method": "equal",
              "min_share_minor": None, "max_share_pct": None, "min_participants": None, "min_pooled_minor": None}
    values.update(fields)
    return campaign_ops.create_campaign(db, chamber, chamber.organizer, **values)


def test_a_campaign_from_opening_to_settlement_tells_the_right_people(db: Any, app: Any, create_chamber: Any,
                                                                       create_member: Any, create_user: Any) -> None:
    chamber = create_chamber()
    a = create_member(chamber=chamber, user=create_user(locale="en"), business_name="Tea House")
    b = create_member(chamber=chamber, business_name="丝绸店")
    outsider = create_member(chamber=chamber, business_name="不参加的店")
    with app.app_context():
        campaign = _campaign(db, chamber)
        campaign_ops.transition_campaign(db, campaign, "open", chamber.organizer)
        assert {m.user_id for m in db.scalars(select(InboxMessage).where(InboxMessage.kind == "campaigns.opened"))} \
            == {a.user_id, b.user_id, outsider.user_id}
        campaign_ops.opt_in(db, campaign, a, offer_headline="满200减30")
        campaign_ops.opt_in(db, campaign, b, offer_headline="九折")
        campaign_ops.transition_campaign(db, campaign, "locked", chamber.organizer)
        [locked] = _inbox(db, a.user, "campaigns.locked")
        assert "Tea House: ¥500.00" in locked.body_text and "Please pay by" in locked.body_text
        assert locked.link.endswith(f"/chambers/{chamber.slug}/campaigns/double11")
        assert _inbox(db, outsider.user, "campaigns.locked") == []
        campaign_ops.record_payment(db, campaign, chamber.organizer, member_id=a.id, amount_minor=500_00,
                                    method="wechat_pay", reference="W1", paid_on=NOW.date())
        campaign_ops.transition_campaign(db, campaign, "live", chamber.organizer)
        campaign_ops.transition_campaign(db, campaign, "ended", chamber.organizer)
        campaign_ops.transition_campaign(db, campaign, "settled", chamber.organizer, mode="refund")
    [settled] = _inbox(db, a.user, "campaigns.settled")
    assert "Tea House: ¥500.00" in settled.body_text  # nothing was spent: all of it back
    [settled_b] = _inbox(db, b.user, "campaigns.settled")
    assert "丝绸店: ¥0.00" in settled_b.body_text


def test_cancellation_and_the_deadline_reminder(db: Any, app: Any, create_chamber: Any, create_member: Any) -> None:
    chamber = create_chamber()
    joined, waiting = create_member(chamber=chamber), create_member(chamber=chamber)
    with app.app_context():
        campaign = _campaign(db, chamber, optin_deadline=NOW + dt.timedelta(hours=20))
        campaign_ops.transition_campaign(db, campaign, "open", chamber.organizer)
        campaign_ops.opt_in(db, campaign, joined, offer_headline="九折")
        db.commit()
        assert campaign_jobs.remind_optin_deadlines(app) == 2  # inbox and email to the one who has not joined
        assert campaign_jobs.remind_optin_deadlines(app) == 0  # once
        campaign_ops.transition_campaign(db, campaign, "cancelled", chamber.organizer, reason="商场临时停业装修")
    assert len(_inbox(db, waiting.user, "campaigns.deadline_soon")) == 1
    assert _inbox(db, joined.user, "campaigns.deadline_soon") == []
    [cancelled] = _inbox(db, joined.user, "campaigns.cancelled")
    assert "商场临时停业装修" in cancelled.body_text
    assert _inbox(db, waiting.user, "campaigns.cancelled") == []


def test_a_user_who_turned_email_off_gets_only_the_inbox(db: Any, app: Any, create_chamber: Any,
                                                         create_member: Any) -> None:
    from chamber.notifications.operations import set_preference

    chamber = create_chamber()
    member = create_member(chamber=chamber)
    set_preference(db, member.user_id, "campaigns.opened", "email", False)
    with app.app_context():
        campaign = _campaign(db, chamber)
        campaign_ops.transition_campaign(db, campaign, "open", chamber.organizer)
    assert len(_inbox(db, member.user, "campaigns.opened")) == 1
    assert _emails(db, member.user, "campaigns.opened") == []


def test_campaign_notices_api_reads_the_inbox(client: Any, db: Any, app: Any, create_chamber: Any,
                                              create_member: Any, token_for: Any) -> None:
    from chamber.notifications.operations import set_preference

    chamber = create_chamber()
    told, quiet = create_member(chamber=chamber), create_member(chamber=chamber)
    set_preference(db, quiet.user_id, "campaigns.cancelled", "inbox", False)
    with app.app_context():
        campaign = _campaign(db, chamber)
        campaign_ops.transition_campaign(db, campaign, "open", chamber.organizer)
        campaign_ops.opt_in(db, campaign, told, offer_headline="九折")
        campaign_ops.opt_in(db, campaign, quiet, offer_headline="八折")
        campaign_ops.transition_campaign(db, campaign, "cancelled", chamber.organizer, reason="场地取消")
    db.commit()
    url = f"/api/v1/chambers/{chamber.slug}/campaign-notices"
    items = client.get(url, headers=token_for(told.user)).get_json()["items"]
    assert [(n["campaign"], n["member_id"], n["kind"], n["message"]) for n in items] == [
        ("double11", told.id, "cancelled", "场地取消")]
    assert client.get(url, headers=token_for(quiet.user)).get_json()["items"] == []  # turned off in the inbox

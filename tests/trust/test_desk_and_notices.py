"""The reviews-and-complaints desk is reachable from both dashboards, and the merchant and the
organizers are told (inbox, their language) when a complaint or review concerns them."""
from __future__ import annotations

from typing import Any

from chamber.notifications.models import Delivery
from chamber.trust.models import Complaint
from tests.conftest import count_rows

EN = {"Accept-Language": "en"}


def _complain(client: Any, chamber: Any, member: Any) -> str:
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/complaints", json={
        "member_id": member.id, "campaign": "double11", "category": "not_delivered",
        "description": "付款后十天没发货，客服也不回复", "contact_email": "buyer@example.com"}, headers=EN)
    assert resp.status_code == 201, resp.text
    return str(resp.json["tracking_code"])


def _inbox(client: Any, token_for: Any, user: Any) -> list[dict[str, Any]]:
    resp = client.get("/api/v1/me/inbox", headers=token_for(user))
    assert resp.status_code == 200, resp.text
    return list(resp.json["items"])


def test_both_dashboards_link_the_desk_with_what_waits(client: Any, db: Any, live_campaign: Any, login: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    login(member.user)
    page = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN).text
    assert f'href="/chambers/{chamber.slug}/trust"' in page
    assert 'data-testid="complaints-awaiting"' not in page
    client.post("/logout")
    _complain(client, chamber, member)
    _complain(client, chamber, member)
    login(member.user)
    page = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN).text
    assert "2 complaints await your response." in page
    other = world["members"][1]
    client.post("/logout")
    login(other.user)
    assert 'data-testid="complaints-awaiting"' not in client.get(f"/chambers/{chamber.slug}/dashboard").text
    client.post("/logout")
    login(chamber.organizer)
    manage = client.get(f"/chambers/{chamber.slug}/manage", headers=EN).text
    assert f'href="/chambers/{chamber.slug}/trust"' in manage
    assert f'href="/chambers/{chamber.slug}/trust#settings"' in manage
    assert "2 complaints to decide." in manage
    desk = client.get(f"/chambers/{chamber.slug}/trust", headers=EN).text
    assert 'id="settings"' in desk and "Open books" in desk


def test_the_merchant_is_told_of_a_complaint_and_the_organizers_of_the_response(
        client: Any, db: Any, live_campaign: Any, login: Any, token_for: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    member.user.locale = "en"
    db.commit()
    code = _complain(client, chamber, member)
    messages = _inbox(client, token_for, member.user)
    assert len(messages) == 1
    notice = messages[0]
    assert notice["kind"] == "chamber.complaint_received"
    assert code in notice["title"] and "please respond" in notice["title"]
    assert "付款后十天没发货" in notice["text"] and "Respond by" in notice["text"]
    assert notice["link"].endswith(f"/chambers/{chamber.slug}/trust")
    # also by email, through the outbox
    assert count_rows(db, Delivery, Delivery.user_id == member.user.id, Delivery.channel == "email") == 1
    assert _inbox(client, token_for, world["members"][1].user) == []  # the other merchant hears nothing

    login(member.user)
    complaint = db.scalar(Complaint.__table__.select().with_only_columns(Complaint.id)
                          .where(Complaint.tracking_code == code))
    client.post(f"/chambers/{chamber.slug}/trust/complaints/{complaint}/respond", data={"text": "已补发，单号 SF123"})
    client.post("/logout")
    told = _inbox(client, token_for, chamber.organizer)
    assert [m["kind"] for m in told] == ["chamber.complaint_responded"]
    assert "SF123" in told[0]["text"] and code in told[0]["title"]

    login(chamber.organizer)
    client.post(f"/chambers/{chamber.slug}/trust/complaints/{complaint}/decide",
                data={"decision": "resolved", "reason": "双方同意补发"})
    decided = _inbox(client, token_for, member.user)[0]
    assert decided["kind"] == "chamber.complaint_decided"
    assert "Resolved by agreement" in decided["title"] and "双方同意补发" in decided["text"]


def test_the_notice_is_in_the_merchant_s_language(client: Any, db: Any, live_campaign: Any, token_for: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    member.user.locale = "zh_CN"
    db.commit()
    _complain(client, chamber, member)
    notice = _inbox(client, token_for, member.user)[0]
    assert "投诉" in notice["title"] and "please" not in notice["title"]


def test_the_merchant_is_told_of_a_published_review(client: Any, db: Any, app: Any, live_campaign: Any,
                                                    token_for: Any) -> None:
    from chamber.trust import operations as ops

    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    member.user.locale = "en"
    db.commit()
    with app.test_request_context():
        _, token = ops.submit_review(db, chamber, member, (world["campaign"].id, "双十一"), rating=4,
                                     text="茶很好", email="a@example.com", ip_hash="t")
        assert _inbox(client, token_for, member.user) == []  # not before it is confirmed
        ops.confirm_review(db, token)
        ops.confirm_review(db, token)  # twice: still one notice
    db.commit()
    messages = _inbox(client, token_for, member.user)
    assert [m["kind"] for m in messages] == ["chamber.review_published"]
    assert "4 of 5" in messages[0]["title"] and "茶很好" in messages[0]["text"]

"""Reviews (confirmed by email, one per email × merchant × campaign, one reply, hidden with a reason)
and complaints (tracking code, merchant response, the chamber's decision, each step mailed)."""
from __future__ import annotations

from typing import Any

from chamber.trust.models import Complaint, ComplaintEvent, CreditScore, Review
from tests.conftest import count_rows, image_bytes
from tests.helpers import text_of

EN = {"Accept-Language": "en"}


def _review(client: Any, chamber: Any, member: Any, **overrides: Any) -> Any:
    body = {"rating": 5, "text": "茶很好，发货快", "email": "Shopper@Example.com", "campaign": "double11", **overrides}
    return client.post(f"/api/v1/chambers/{chamber.slug}/members/{member.id}/reviews", json=body, headers=EN)


def test_review_is_published_only_after_the_email_is_confirmed(client: Any, db: Any, live_campaign: Any, mailbox: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    resp = _review(client, chamber, member)
    assert resp.status_code == 202, resp.text
    page = f"/c/{chamber.slug}/m/{member.id}"
    assert "茶很好" not in client.get(page).text
    link = mailbox.last_link("/reviews/confirm/")
    assert mailbox.messages[-1]["To"] == "shopper@example.com"
    path = "/" + link.split("//", 1)[1].split("/", 1)[1]
    # opening the link (a mail scanner does) shows the review and a button; it publishes nothing
    opened = client.get(path, headers=EN)
    assert opened.status_code == 200
    assert "茶很好" in opened.text and 'data-testid="publish-review"' in opened.text
    assert f'<form method="post" action="{path}">' in opened.text  # the button posts (the top bar has forms too)
    assert client.get(path).status_code == 200
    assert "茶很好" not in client.get(page).text
    assert db.scalar(Review.__table__.select().with_only_columns(Review.confirmed_at)
                     .where(Review.member_id == member.id)) is None
    confirm = client.post(path)  # no CSRF token: the mailed token is the proof
    assert confirm.status_code == 302
    assert "茶很好" in client.get(page).text
    again = client.post(path, headers=EN)
    assert again.status_code == 409 and "already published" in again.text
    assert client.get(path, headers=EN).status_code == 409
    assert db.scalar(CreditScore.__table__.select().with_only_columns(CreditScore.score)
                     .where(CreditScore.member_id == member.id)) is not None


def test_one_review_per_email_merchant_and_campaign(client: Any, db: Any, live_campaign: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    assert _review(client, chamber, member).status_code == 202
    again = _review(client, chamber, member, email="shopper@example.com")
    assert again.status_code == 409
    assert again.json["error"]["fields"]["email"]
    assert _review(client, chamber, world["members"][1]).status_code == 202  # another merchant is fine
    assert count_rows(db, Review, Review.chamber_id == chamber.id) == 2


def test_bad_reviews_are_refused_and_nothing_is_stored(client: Any, db: Any, live_campaign: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    assert _review(client, chamber, member, rating=6).json["error"]["fields"]["rating"]
    assert _review(client, chamber, member, rating=0).status_code == 400
    assert _review(client, chamber, member, rating="5").status_code == 400
    assert _review(client, chamber, member, text="x" * 2001).status_code == 400
    assert _review(client, chamber, member, email="not-an-email").status_code == 400
    assert _review(client, chamber, member, campaign="nope").json["error"]["fields"]["campaign"]
    assert client.post(f"/api/v1/chambers/{chamber.slug}/members/999999/reviews",
                       json={"rating": 5, "text": "x", "email": "a@b.cn", "campaign": "double11"}).status_code == 404
    assert count_rows(db, Review, Review.chamber_id == chamber.id) == 0
    forged = client.post(f"/api/v1/chambers/{chamber.slug}/reviews/confirmations", json={"token": "forged"})
    assert forged.status_code == 404
    assert client.get(f"/c/{chamber.slug}/reviews/confirm/forged").status_code == 404
    assert client.post(f"/c/{chamber.slug}/reviews/confirm/forged").status_code == 404


def test_reviews_are_rate_limited_per_email_and_per_address(client: Any, db: Any, live_campaign: Any) -> None:
    from chamber.trust import operations as ops

    world = live_campaign(n_members=ops.PER_IP_PER_HOUR + 1)
    chamber, members = world["chamber"], world["members"]
    for member in members[:ops.PER_EMAIL_PER_HOUR]:
        assert _review(client, chamber, member, email="busy@example.com").status_code == 202
    limited = _review(client, chamber, members[ops.PER_EMAIL_PER_HOUR], email="busy@example.com")
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "rate_limited"
    assert "email" in limited.json["error"]["message"]
    for i, member in enumerate(members[ops.PER_EMAIL_PER_HOUR:ops.PER_IP_PER_HOUR]):
        assert _review(client, chamber, member, email=f"other{i}@example.com").status_code == 202
    by_address = _review(client, chamber, members[-1], email="fresh@example.com")
    assert by_address.status_code == 429
    assert "network" in by_address.json["error"]["message"]
    assert count_rows(db, Review, Review.chamber_id == chamber.id) == ops.PER_IP_PER_HOUR


def test_merchant_replies_once_and_organizer_hides_with_a_reason(client: Any, db: Any, app: Any, live_campaign: Any,
                                                                login: Any) -> None:
    from chamber.trust import operations as ops

    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    with app.app_context():
        review, token = ops.submit_review(db, chamber, member, (world["campaign"].id, "双十一"), rating=1,
                                          text="<b>骗子</b>", email="a@example.com", ip_hash="t")
        ops.confirm_review(db, token)
    db.commit()
    login(member.user)
    assert client.post(f"/chambers/{chamber.slug}/trust/reviews/{review.id}/reply", data={"text": "已联系您退款"}).status_code == 302
    client.post(f"/chambers/{chamber.slug}/trust/reviews/{review.id}/reply", data={"text": "第二次"})
    db.refresh(review)
    assert review.reply == "已联系您退款"
    client.post("/logout")
    login(chamber.organizer)
    assert client.post(f"/chambers/{chamber.slug}/trust/reviews/{review.id}/hide", data={"reason": ""}).status_code == 302
    db.refresh(review)
    assert review.hidden_at is None  # no reason, not hidden
    client.post(f"/chambers/{chamber.slug}/trust/reviews/{review.id}/hide", data={"reason": "辱骂商家"})
    client.post("/logout")
    page = client.get(f"/c/{chamber.slug}/m/{member.id}").text
    assert "辱骂商家" in page and "骗子" not in page
    assert 'data-testid="review-hidden"' in page


def test_complaint_from_submission_to_decision_with_every_step_mailed(client: Any, db: Any, live_campaign: Any,
                                                                      mailbox: Any, login: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    resp = client.post(f"/api/v1/chambers/{chamber.slug}/complaints", json={
        "member_id": member.id, "campaign": "double11", "category": "not_delivered",
        "description": "<script>alert(1)</script> 付款后十天没发货", "contact_email": "buyer@example.com"})
    assert resp.status_code == 201, resp.text
    code = resp.json["tracking_code"]
    assert code in mailbox.messages[-1]["Subject"]
    tracked = client.get(f"/api/v1/complaints/{code}").json
    assert tracked["status"] == "submitted" and [s["step"] for s in tracked["history"]] == ["submitted"]
    page = client.get(f"/complaints/{code}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page

    login(member.user)
    complaint = db.scalar(Complaint.__table__.select().with_only_columns(Complaint.id).where(Complaint.tracking_code == code))
    assert client.post(f"/chambers/{chamber.slug}/trust/complaints/{complaint}/respond",
                       data={"text": "已补发，单号 SF123"}).status_code == 302
    client.post("/logout")
    assert client.get(f"/api/v1/complaints/{code}").json["status"] == "responded"
    login(chamber.organizer)
    client.post(f"/chambers/{chamber.slug}/trust/complaints/{complaint}/decide",
                data={"decision": "resolved", "reason": "双方同意补发"})
    final = client.get(f"/api/v1/complaints/{code}").json
    assert final["status"] == "resolved"
    assert [s["step"] for s in final["history"]] == ["submitted", "responded", "resolved"]
    assert final["history"][-1]["text"] == "双方同意补发"
    assert [m["To"] for m in mailbox.messages] == ["buyer@example.com"] * 3
    # deciding again is refused
    client.post(f"/chambers/{chamber.slug}/trust/complaints/{complaint}/decide", data={"decision": "upheld", "reason": "x"})
    assert count_rows(db, ComplaintEvent, ComplaintEvent.complaint_id == complaint) == 3
    # the chamber's page counts them: two received, the one decided resolved (a second complaint, not decided,
    # tells received from resolved apart)
    assert client.post(f"/api/v1/chambers/{chamber.slug}/complaints", json={
        "member_id": member.id, "category": "quality", "description": "茶叶受潮了，商家不回复。",
        "contact_email": "other@example.com"}).status_code == 201
    stats = text_of(client.get(f"/c/{chamber.slug}", headers=EN), "complaint-stats")
    assert stats.startswith("Complaints are handled 2 complaints received · 1 resolved · median "), stats


def test_bad_complaints_are_refused_and_nothing_is_stored(client: Any, db: Any, live_campaign: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    url = f"/api/v1/chambers/{chamber.slug}/complaints"
    good = {"member_id": member.id, "category": "quality", "description": "质量有问题，掉色严重", "contact_email": "b@example.com"}
    assert client.post(url, json={**good, "category": "weather"}).status_code == 400
    assert client.post(url, json={**good, "member_id": 999999}).json["error"]["fields"]["member_id"]
    assert client.post(url, json={**good, "campaign": "nope"}).status_code == 400
    assert client.post(url, json={**good, "description": "短"}).status_code == 400
    assert client.post(url, json={**good, "contact_email": "x"}).status_code == 400
    assert client.get("/api/v1/complaints/AAAA-BBBB-CCCC").status_code == 404
    assert client.get("/complaints/AAAA-BBBB-CCCC").status_code == 404
    assert count_rows(db, Complaint, Complaint.chamber_id == chamber.id) == 0


def test_complaint_page_form_checks_evidence_by_content_and_size(client: Any, db: Any, live_campaign: Any) -> None:
    import io

    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    url = f"/c/{chamber.slug}/complaints/new"
    form = {"member_id": str(member.id), "category": "quality", "description": "质量有问题，掉色严重",
            "contact_email": "b@example.com"}
    fake = client.post(url, data={**form, "evidence": (io.BytesIO(b"%PDF-1.4 not an image"), "x.png")},
                       content_type="multipart/form-data", headers=EN)
    assert fake.status_code == 400 and "JPEG, PNG or WebP" in fake.text
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # encoded in memory: the test client would spool a big body to a file it never closes
    boundary, body = encode_multipart({**form, "evidence": FileStorage(io.BytesIO(b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10)), "x.png")})
    big = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert big.status_code == 413
    assert count_rows(db, Complaint, Complaint.chamber_id == chamber.id) == 0
    ok = client.post(url, data={**form, "evidence": (io.BytesIO(image_bytes("JPEG")), "x.jpg")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302 and "/complaints/" in ok.headers["Location"]
    assert count_rows(db, Complaint, Complaint.chamber_id == chamber.id, Complaint.evidence_type == "image/jpeg") == 1


def test_the_review_form_without_a_campaign_offers_the_merchant_s_campaigns(client: Any, db: Any, live_campaign: Any,
                                                                            create_member: Any) -> None:
    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    merchant = client.get(f"/c/{chamber.slug}/m/{member.id}", headers=EN).text
    form_url = f"/c/{chamber.slug}/m/{member.id}/review"
    assert f'href="{form_url}"' in merchant and "Write a review" in merchant
    # one campaign: chosen already, and sending works without ?campaign=
    page = client.get(form_url, headers=EN).text
    assert 'data-testid="review-campaign"' in page
    assert '<option value="double11" selected>双十一联合促销</option>' in page
    sent = client.post(form_url, data={"rating": "4", "text": "好茶", "email": "a@example.com", "campaign": "double11"},
                       headers=EN)
    assert sent.status_code == 200 and 'data-testid="sent"' in sent.text
    assert count_rows(db, Review, Review.member_id == member.id) == 1
    # nothing chosen: the error is by the select, not a hidden field
    missing = client.post(form_url, data={"rating": "4", "text": "好茶", "email": "b@example.com", "campaign": ""},
                          headers=EN)
    assert missing.status_code == 400 and 'data-testid="review-campaign"' in missing.text
    # a merchant in no campaign: the page says what reviews are for, and offers no form
    idle = create_member(chamber=chamber)
    db.commit()
    none = client.get(f"/c/{chamber.slug}/m/{idle.id}/review", headers=EN).text
    assert 'data-testid="no-campaigns"' in none and 'data-testid="review-form"' not in none
    assert "purchases in a campaign" in none


def test_the_review_form_lets_the_shopper_choose_among_several_campaigns(client: Any, db: Any, live_campaign: Any,
                                                                         app: Any) -> None:
    import datetime as dt

    from campaigns import operations as campaign_ops

    world = live_campaign()
    chamber, member = world["chamber"], world["members"][0]
    now = dt.datetime.now(dt.timezone.utc)
    with app.test_request_context():
        second = campaign_ops.create_campaign(
            db, chamber, chamber.organizer, slug="mid-autumn", title="中秋促销", festival="mid_autumn",
            description="中秋", starts_at=now + dt.timedelta(days=40), ends_at=now + dt.timedelta(days=45),
            optin_deadline=now + dt.timedelta(days=35), budget_minor=500_00, method="equal", min_share_minor=None,
            max_share_pct=None, min_participants=None, min_pooled_minor=None)
        draft = campaign_ops.create_campaign(
            db, chamber, chamber.organizer, slug="draft-one", title="草稿活动", festival="double11",
            description="草稿", starts_at=now + dt.timedelta(days=40), ends_at=now + dt.timedelta(days=45),
            optin_deadline=now + dt.timedelta(days=35), budget_minor=500_00, method="equal", min_share_minor=None,
            max_share_pct=None, min_participants=None, min_pooled_minor=None)
        campaign_ops.transition_campaign(db, second, "open", chamber.organizer)
        campaign_ops.opt_in(db, second, member, offer_headline="满100减10", offer_details="")
    db.commit()
    assert draft.status == "draft"
    page = client.get(f"/c/{chamber.slug}/m/{member.id}/review", headers=EN).text
    assert '<option value="" selected>' in page
    assert "中秋促销" in page and "双十一联合促销" in page and "草稿活动" not in page
    assert client.post(f"/c/{chamber.slug}/m/{member.id}/review", data={
        "rating": "5", "text": "好", "email": "c@example.com", "campaign": "mid-autumn"}).status_code == 200
    assert db.scalar(Review.__table__.select().with_only_columns(Review.campaign_title)
                     .where(Review.member_id == member.id)) == "中秋促销"

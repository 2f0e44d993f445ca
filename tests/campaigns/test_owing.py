"""Owing and being owed: what a participant owes, by when and how to pay (overdue once the campaign has
started); write-offs; refunds paid back. The rules that compute what is owed: test_owed_rules.py."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from campaigns import operations as ops
from campaigns import presenters
from campaigns.models import CollectionDetails, LedgerEntry, RefundPayout
from chamber.db import utcnow
from tests.conftest import count_rows, image_bytes
from tests.helpers import spaces_after_cjk_punctuation, text_of
from tests.helpers import text as page_text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def collection_page(chamber):
    return f"/chambers/{chamber.slug}/manage/collection"


def set_collection(client, chamber, **data):
    files = data.pop("qr", None)
    form = {"account": "", "qr_kind": "wechat_pay", **data}
    if files is not None:
        form["qr"] = (io.BytesIO(files), "code.png")
    return client.post(collection_page(chamber), data=form, headers=EN, content_type="multipart/form-data")


def test_collection_details_page_checks_the_image_by_content(client, db, login, locked_campaign, create_user):
    campaign, members = locked_campaign()
    chamber = campaign.chamber
    login(campaign.organizer)
    resp = set_collection(client, chamber, account="工商银行 6222 0000 1111", qr=b"%PDF-1.4 not an image")
    assert resp.status_code == 400 and "must be a PNG or JPEG image" in resp.text
    assert count_rows(db, CollectionDetails) == 0
    png = image_bytes("PNG", (64, 64))
    resp = set_collection(client, chamber, account="工商银行 6222 0000 1111", qr=png)
    assert resp.status_code == 302
    details = db.scalar(select(CollectionDetails).where(CollectionDetails.chamber_id == chamber.id))
    assert details.qr_content_type == "image/png" and details.qr_kind == "wechat_pay"
    # a member sees it; a stranger does not
    login(members[0].user)
    qr = client.get(f"/chambers/{chamber.slug}/collection/qr")
    assert qr.status_code == 200 and qr.data == png and qr.mimetype == "image/png"
    login(create_user())
    assert client.get(f"/chambers/{chamber.slug}/collection/qr").status_code == 404


def test_participant_sees_what_it_owes_by_when_and_how(client, db, login, locked_campaign):
    campaign, members = locked_campaign()
    chamber = campaign.chamber
    login(campaign.organizer)
    set_collection(client, chamber, account="工商银行 6222 0000 1111", qr=image_bytes("PNG", (64, 64)),
                   qr_kind="alipay")
    ops.record_payment(db, campaign, campaign.organizer, member_id=members[0].id, amount_minor=100_00,
                       method="cash", paid_on=dt.date(2026, 1, 5))
    db.commit()
    login(members[0].user)
    page = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=EN)
    owing = text_of(page, "owing")
    assert owing.startswith("You owe ¥150.00. Pay by ") and "工商银行 6222 0000 1111" in owing
    assert f'src="/chambers/{chamber.slug}/collection/qr"' in page.text and "Scan with Alipay" in owing
    dashboard = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert text_of(dashboard, "dashboard-owing").startswith("You owe ¥150.00. Pay by ")
    assert "工商银行 6222 0000 1111" in text_of(dashboard, "how-to-pay")
    zh = client.get(f"/chambers/{chamber.slug}/dashboard", headers={"Accept-Language": "zh-CN"})
    assert text_of(zh, "dashboard-owing").startswith("您需支付 ¥150.00。")


def test_a_cancelled_campaign_asks_nobody_to_pay(client, db, login, locked_campaign):
    """Once cancelled nobody owes anything (what was paid and not spent comes back): neither the campaign
    page nor the dashboard may still say "You owe" or how to pay."""
    campaign, members = locked_campaign()
    chamber = campaign.chamber
    login(campaign.organizer)
    set_collection(client, chamber, account="工商银行 6222 0000 1111")
    ops.record_payment(db, campaign, campaign.organizer, member_id=members[0].id, amount_minor=100_00,
                       method="cash", paid_on=dt.date(2026, 1, 5))
    db.commit()
    login(members[0].user)
    before = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert text_of(before, "dashboard-owing").startswith("You owe ¥150.00.")  # the check below can fail
    ops.transition_campaign(db, campaign, "cancelled", campaign.organizer, reason="商户不足")
    db.commit()
    for url in (f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", f"/chambers/{chamber.slug}/dashboard"):
        page = client.get(url, headers=EN)
        assert page.status_code == 200
        for testid in ("owing", "owing-line", "dashboard-owing", "how-to-pay"):
            assert f'data-testid="{testid}"' not in page.text, (url, testid)
        assert "You owe" not in page.text and "工商银行 6222 0000 1111" not in page.text, url
        assert "still outstanding" not in page.text and "¥150.00" not in page.text, url
    page = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=EN)
    assert text_of(page, "my-outstanding") == "¥0.00"
    assert presenters.statement_data(db, chamber, campaign, members[0])["outstanding_minor"] == 0


def test_a_settled_campaign_shows_what_is_left_unpaid_but_asks_no_payment(client, db, login, locked_campaign):
    """Settled: the ledger is closed, so an unpaid share is only shown as outstanding — no "You owe", no how to
    pay (rules.asks_payment, the one rule of both pages)."""
    campaign, members = locked_campaign()
    chamber, org = campaign.chamber, campaign.organizer
    login(org)
    set_collection(client, chamber, account="工商银行 6222 0000 1111")
    ops.record_payment(db, campaign, org, member_id=members[0].id, amount_minor=100_00, method="cash",
                       paid_on=dt.date(2026, 1, 5))
    for to in ("live", "ended"):
        ops.transition_campaign(db, campaign, to, org)
    ops.settle_campaign(db, campaign, "carry", org)
    db.commit()
    login(members[0].user)
    dashboard = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert "¥150.00 is still outstanding." in page_text(dashboard)
    page = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=EN)
    assert text_of(page, "my-outstanding") == "¥150.00"
    for resp in (dashboard, page):
        assert "You owe" not in resp.text and 'data-testid="how-to-pay"' not in resp.text
        assert "工商银行 6222 0000 1111" not in resp.text


def started_locked_campaign(db, make_campaign, chamber, member):
    """A campaign locked before its start, which was five days ago: its shares are overdue."""
    then = utcnow() - dt.timedelta(days=25)
    campaign = make_campaign(chamber, status="open", now=then)
    ops.opt_in(db, campaign, member, offer_headline="全场九折", now=then)
    ops.transition_campaign(db, campaign, "locked", chamber.organizer, now=then + dt.timedelta(days=11))
    db.commit()
    return campaign


def test_a_share_not_paid_by_the_start_is_overdue_on_the_campaign_page_and_the_dashboard(
        client, db, create_chamber, create_member, make_campaign, login):
    chamber = create_chamber()
    member = create_member(chamber)
    campaign = started_locked_campaign(db, make_campaign, chamber, member)
    login(member.user)
    page = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=ZH)
    line = text_of(page.get_data(as_text=True), "owing-line")
    assert line.startswith("您需支付 ¥1,000.00。已逾期：应于 ") and line.endswith("前付款。"), line
    dashboard = client.get(f"/chambers/{chamber.slug}/dashboard", headers=ZH)
    line = text_of(dashboard.get_data(as_text=True), "dashboard-owing")
    assert "已逾期" in line and "。已逾期" in line, line
    english = client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN)
    assert "Overdue: it was due by" in text_of(english.get_data(as_text=True), "dashboard-owing")
    for resp in (page, dashboard):
        assert not spaces_after_cjk_punctuation(resp), spaces_after_cjk_punctuation(resp)


def test_a_share_before_the_start_is_not_overdue(client, db, create_chamber, create_member, make_campaign, login):
    chamber = create_chamber()
    member = create_member(chamber)
    then = utcnow() - dt.timedelta(days=12)  # deadline two days ago, start in eight days
    campaign = make_campaign(chamber, status="open", now=then)
    ops.opt_in(db, campaign, member, offer_headline="全场九折", now=then)
    ops.transition_campaign(db, campaign, "locked", chamber.organizer, now=then + dt.timedelta(days=11))
    db.commit()
    login(member.user)
    page = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=ZH)
    line = text_of(page.get_data(as_text=True), "owing-line")
    assert "逾期" not in line and line.startswith("您需支付 ¥1,000.00。请于 "), line


def test_write_off_at_end_and_outstanding_on_the_report(client, db, login, locked_campaign, token_for):
    campaign, (a, b, c, d) = locked_campaign()
    chamber = campaign.chamber
    org = campaign.organizer
    for m in (a, b):
        ops.record_payment(db, campaign, org, member_id=m.id, amount_minor=250_00, method="alipay",
                           paid_on=dt.date(2026, 1, 5))
    ops.record_payment(db, campaign, org, member_id=c.id, amount_minor=50_00, method="cash", paid_on=dt.date(2026, 1, 5))
    ops.transition_campaign(db, campaign, "live", org)
    db.commit()
    login(org)
    manage = f"/chambers/{chamber.slug}/manage/campaigns/{campaign.slug}"
    confirm = client.post(f"{manage}/transition", data={"to": "ended"}, headers=EN)
    assert "These members have not paid in full" in page_text(confirm)
    rows = text_of(confirm, "confirm-rows")
    assert c.business_name in rows and "¥200.00" in rows and d.business_name in rows and a.business_name not in rows
    client.post(f"{manage}/transition", data={"to": "ended", "confirmed": "yes"})
    settle = client.get(f"{manage}/settlement", headers=EN)
    assert text_of(settle, "unpaid").count("owes") == 2
    # no reason → refused by the field, nothing written
    resp = client.post(f"{manage}/write-offs?back=settle", data={"member_id": c.id, "reason": ""}, headers=EN)
    assert resp.status_code == 400 and count_rows(db, LedgerEntry, LedgerEntry.entry_type == "write_off") == 0
    resp = client.post(f"{manage}/write-offs?back=settle", data={"member_id": c.id, "amount": "500", "reason": "x"},
                       headers=EN)
    assert resp.status_code == 409 and "more than this member still owes" in resp.text
    resp = client.post(f"{manage}/write-offs?back=settle",
                       data={"member_id": c.id, "reason": "店铺已关闭，无法联系"}, headers=EN)
    assert resp.status_code == 302 and resp.location.endswith("/settlement")
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.entry_type == "write_off"))
    assert (entry.member_id, entry.amount_minor, entry.reason) == (c.id, 200_00, "店铺已关闭，无法联系")
    # the API too: part of what d owes
    api = f"/api/v1/chambers/{chamber.slug}/campaigns/{campaign.slug}"
    resp = client.post(f"{api}/write-offs", json={"member_id": d.id, "amount": "50.00", "reason": "协商减免"},
                       headers=token_for(org))
    assert resp.status_code == 201 and resp.json["type"] == "write_off" and resp.json["amount"] == "50.00"
    ledger = client.get(f"{api}/ledger", headers=token_for(org)).json
    by_id = {m["member_id"]: m for m in ledger["members"]}
    assert by_id[c.id]["outstanding"] == "0.00" and by_id[c.id]["written_off"] == "200.00"
    assert by_id[d.id]["outstanding"] == "200.00"  # left outstanding on the report
    assert ledger["balances"]["written_off"] == "250.00" and ledger["balances"]["available"] == "550.00"
    page = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}/ledger", headers=EN)
    assert "店铺已关闭，无法联系" in page.text and "Written off" in page.text
    # the report: what was written off, and what is left outstanding
    with client.application.test_request_context(headers=EN):
        report = presenters.report_data(db, chamber, campaign)
    rows = {r["member_id"]: r for r in report["apportionment"]}
    assert (rows[c.id]["written_off_minor"], rows[c.id]["outstanding_minor"]) == (200_00, 0)
    assert (rows[d.id]["written_off_minor"], rows[d.id]["outstanding_minor"]) == (50_00, 200_00)
    assert report["apportionment_total"]["written_off_minor"] == 250_00
    pdf = client.get(f"{api}/report.pdf", headers=token_for(org))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")


def test_refund_paid_back(client, db, login, locked_campaign, token_for):
    campaign, (a, b, _c, _d) = locked_campaign()
    chamber = campaign.chamber
    org = campaign.organizer
    for m in (a, b):
        ops.record_payment(db, campaign, org, member_id=m.id, amount_minor=250_00, method="alipay",
                           paid_on=dt.date(2026, 1, 5))
    ops.transition_campaign(db, campaign, "live", org)
    ops.transition_campaign(db, campaign, "ended", org)
    ops.settle_campaign(db, campaign, "refund", org)
    db.commit()
    refunds = {e.member_id: e for e in db.scalars(select(LedgerEntry).where(LedgerEntry.entry_type == "refund"))}
    login(a.user)
    mine = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=EN)
    assert text_of(mine, "refund-status") == "¥250.00 is refunded to you; the organizers will pay it back."
    assert text_of(client.get(f"/chambers/{chamber.slug}/dashboard", headers=EN), "dashboard-refund").startswith(
        "¥250.00 is refunded to you")
    login(org)
    ledger = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}/ledger", headers=EN).text
    assert f'data-testid="payout-{refunds[a.id].id}"' in ledger
    url = f"/chambers/{chamber.slug}/manage/campaigns/{campaign.slug}/ledger/{refunds[a.id].id}/payout"
    resp = client.post(url, data={"method": "wechat_pay", "reference": "WX-REFUND-1", "paid_on": "2026-01-20"})
    assert resp.status_code == 302
    assert client.post(url, data={"method": "cash", "paid_on": "2026-01-20"}).status_code == 409
    ledger = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}/ledger", headers=EN)
    assert "Paid back on 2026-01-20 by WeChat Pay" in text_of(ledger, "refund-paid-out")
    login(a.user)
    mine = client.get(f"/chambers/{chamber.slug}/campaigns/{campaign.slug}", headers=EN)
    assert text_of(mine, "refund-status") == "¥250.00 has been paid back to you."
    # the API: mark b's refund, see both in the ledger; not a refund → 404
    api = f"/api/v1/chambers/{chamber.slug}/campaigns/{campaign.slug}"
    headers = token_for(org)
    resp = client.post(f"{api}/ledger/{refunds[b.id].id}/payout", json={"method": "bank_transfer", "paid_on": "2026-01-21"},
                       headers=headers)
    assert resp.status_code == 201 and resp.json == {"refund_id": refunds[b.id].id, "method": "bank_transfer",
                                                    "reference": "", "paid_on": "2026-01-21"}
    pledge = db.scalar(select(LedgerEntry.id).where(LedgerEntry.entry_type == "pledge").limit(1))
    assert client.post(f"{api}/ledger/{pledge}/payout", json={"method": "cash", "paid_on": "2026-01-21"},
                       headers=headers).status_code == 404
    items = [i for i in client.get(f"{api}/ledger", headers=headers).json["items"] if i["type"] == "refund"]
    assert {i["paid_out"]["method"] for i in items} == {"wechat_pay", "bank_transfer"}
    # payouts are append-only, like the ledger
    with pytest.raises(DatabaseError):
        db.execute(text("UPDATE campaign_refund_payouts SET reference = 'changed'"))
    db.rollback()
    assert count_rows(db, RefundPayout) == 2


def test_collection_api(client, db, locked_campaign, token_for, create_user):
    campaign, members = locked_campaign()
    chamber = campaign.chamber
    url = f"/api/v1/chambers/{chamber.slug}/collection"
    org = token_for(campaign.organizer)
    assert client.get(url, headers=token_for(members[0].user)).json == {"account": "", "qr": None}
    resp = client.put(url, json={"account": "请转账至商会对公账户"}, headers=org)
    assert resp.status_code == 200 and resp.json == {"account": "请转账至商会对公账户", "qr": None}
    png = image_bytes("PNG", (32, 32))
    resp = client.put(url, data={"account": "请转账至商会对公账户", "qr_kind": "alipay", "qr": (io.BytesIO(png), "qr.png")},
                      headers=org, content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.json["qr"]["kind"] == "alipay"
    assert client.get(resp.json["qr"]["url"], headers=token_for(members[0].user)).data == png
    bad = client.put(url, data={"qr_kind": "alipay", "qr": (io.BytesIO(b"GIF89a...."), "qr.gif")},
                     headers=org, content_type="multipart/form-data")
    assert bad.status_code == 400 and bad.json["error"]["fields"].keys() == {"qr"}
    assert client.put(url, json={"account": "x"}, headers=token_for(members[0].user)).status_code in (403, 404)
    assert client.get(url, headers=token_for(create_user())).status_code == 404
    resp = client.put(url, json={"account": "", "remove_qr": True}, headers=org)
    assert resp.json == {"account": "", "qr": None}

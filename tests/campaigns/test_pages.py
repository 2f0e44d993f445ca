"""The campaign pages: every page and action through the Flask test client, with its DB effects.

Each action is checked once succeeding and once refused; a refusal answers 400 (bad input,
message next to the field) or 409 (a conflict) and changes nothing.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from campaigns import operations as ops
from campaigns.models import Campaign, LedgerEntry, Participation, Receipt
from tests.conftest import count_rows
from tests.helpers import field_errors, text, text_of, told

NOW = dt.datetime(2030, 10, 1, 2, 0, tzinfo=dt.timezone.utc)  # as in tests/campaigns/conftest.py

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def campaign_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "slug": "double11-2030", "title": "双十一 2030", "festival": "double11", "description": "全城联动",
        "optin_deadline": "2030-10-20T18:00", "starts_at": "2030-11-11T00:00", "ends_at": "2030-11-12T00:00",
        "budget": "1000.00", "method": "equal", "min_share": "", "max_share_pct": "", "min_participants": "",
        "min_pooled": "",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def english(client: Any) -> None:
    """Messages are checked in English (the default language is Chinese)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def organizer_chamber(create_chamber: Any, login: Any) -> Any:
    chamber = create_chamber()
    login(chamber.organizer)
    return chamber


def M(chamber: Any, campaign: Any = None, tail: str = "") -> str:
    base = f"/chambers/{chamber.slug}/manage/campaigns"
    return base + (f"/{campaign.slug}" if campaign is not None else "") + tail


def K(chamber: Any, campaign: Any, tail: str = "") -> str:
    return f"/chambers/{chamber.slug}/campaigns/{campaign.slug}{tail}"


# --------------------------------------------------------------------------- organizer: list, create, edit


def test_organizer_dashboard_links_to_the_campaign_list(client, organizer_chamber, make_campaign):
    make_campaign(organizer_chamber, title="中秋联合促销")
    resp = client.get(f"/chambers/{organizer_chamber.slug}/manage")
    assert f'href="{M(organizer_chamber)}"' in resp.get_data(as_text=True)
    resp = client.get(M(organizer_chamber))
    assert resp.status_code == 200
    assert "中秋联合促销" in text(resp)  # drafts are listed for organizers


def test_create_campaign_reads_times_in_the_chambers_zone(client, db, organizer_chamber):
    resp = client.get(M(organizer_chamber, tail="/new"))
    assert resp.status_code == 200
    assert 'type="datetime-local"' in resp.get_data(as_text=True)

    resp = client.post(M(organizer_chamber, tail="/new"), data=campaign_data(
        method="tier", min_share="100.00", max_share_pct="40", min_participants="3", min_pooled="600.00"))
    assert resp.status_code == 302, text(resp)
    campaign = db.scalar(select(Campaign).where(Campaign.chamber_id == organizer_chamber.id))
    assert resp.headers["Location"].endswith(M(organizer_chamber, campaign))
    assert campaign.status == "draft"
    assert campaign.starts_at == dt.datetime(2030, 11, 10, 16, 0, tzinfo=dt.timezone.utc)  # Shanghai is UTC+8
    assert campaign.optin_deadline == dt.datetime(2030, 10, 20, 10, 0, tzinfo=dt.timezone.utc)
    assert (campaign.budget_minor, campaign.method, campaign.min_share_minor) == (1000_00, "tier", 100_00)
    assert (campaign.max_share_pct, campaign.min_participants, campaign.min_pooled_minor) == (Decimal(40), 3, 600_00)

    page = client.get(M(organizer_chamber, campaign))
    assert page.status_code == 200
    assert "saved as a draft" in text(page)
    assert "2030" in text(page) and "China Standard Time" in text(page) and "Asia/Shanghai" not in text(page)


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"ends_at": "2030-11-10T00:00"}, "ends_at", "The campaign must end after it starts."),
    ({"budget": "1000.001"}, "budget", "decimal"),
    ({"starts_at": "next week"}, "starts_at", "ISO 8601"),
    ({"slug": "Bad Slug!"}, "slug", ""),
    ({"max_share_pct": "150"}, "max_share_pct", "at most 100"),
    ({"min_share": "600.00", "max_share_pct": "50"}, "min_share", ""),  # the rule: floor above the cap
])
def test_create_campaign_bad_input_is_shown_by_the_field(client, db, organizer_chamber, overrides, field, message):
    resp = client.post(M(organizer_chamber, tail="/new"), data=campaign_data(**overrides))
    assert resp.status_code == 400
    errors = field_errors(resp, field) or field_errors(resp, "max_share_pct")
    assert errors and message in " ".join(errors), text(resp)
    assert count_rows(db, Campaign, Campaign.chamber_id == organizer_chamber.id) == 0


def test_create_campaign_with_a_taken_slug_is_a_conflict(client, db, organizer_chamber, make_campaign):
    make_campaign(organizer_chamber, slug="double11-2030")
    resp = client.post(M(organizer_chamber, tail="/new"), data=campaign_data())
    assert resp.status_code == 409
    assert "choose another slug" in " ".join(field_errors(resp, "slug"))
    assert count_rows(db, Campaign, Campaign.chamber_id == organizer_chamber.id) == 1


def test_edit_prefills_and_saves_and_refuses_after_lock(client, db, organizer_chamber, make_campaign, create_member, login):
    campaign = make_campaign(organizer_chamber, status="open", max_share_pct=Decimal("12.3456"), min_share_minor=50_00)
    page = client.get(M(organizer_chamber, campaign, "/edit"))
    html = page.get_data(as_text=True)
    assert 'value="12.3456"' in html and 'value="50.00"' in html
    assert 'value="2030-10-11T10:00"' in html  # the deadline, NOW + 10 days, in Shanghai time

    resp = client.post(M(organizer_chamber, campaign, "/edit"), data=campaign_data(slug=campaign.slug, title="改名"))
    assert resp.status_code == 302
    db.refresh(campaign)
    assert campaign.title == "改名"

    for _ in range(2):
        ops.opt_in(db, campaign, create_member(organizer_chamber), offer_headline="九折", now=NOW)
    ops.transition_campaign(db, campaign, "locked", organizer_chamber.organizer, now=NOW)
    db.commit()
    resp = client.post(M(organizer_chamber, campaign, "/edit"), data=campaign_data(slug=campaign.slug, title="再改"))
    assert resp.status_code == 409
    assert "Only a draft or open campaign can be edited" in text(resp)
    db.refresh(campaign)
    assert campaign.title == "改名"


# --------------------------------------------------------------------------- status moves


def test_status_buttons_open_lock_and_refuse(client, db, organizer_chamber, make_campaign, create_member):
    campaign = make_campaign(organizer_chamber, min_participants=2)
    page = client.get(M(organizer_chamber, campaign)).get_data(as_text=True)
    assert 'value="open"' in page and 'value="live"' not in page  # only the allowed moves

    resp = client.post(M(organizer_chamber, campaign, "/transition"), data={"to": "live"})
    assert resp.status_code == 409
    assert "data-testid=\"move-refused\"" in resp.get_data(as_text=True)
    db.refresh(campaign)
    assert campaign.status == "draft"

    resp = client.post(M(organizer_chamber, campaign, "/transition"), data={"to": "open"})
    assert resp.status_code == 302
    db.refresh(campaign)
    assert campaign.status == "open"

    ops.opt_in(db, campaign, create_member(organizer_chamber), offer_headline="九折", now=NOW)
    db.commit()
    resp = client.post(M(organizer_chamber, campaign, "/transition"), data={"to": "locked", "confirmed": "yes"})
    assert resp.status_code == 409  # the go/no-go threshold: at least 2 merchants
    assert re.findall(r'data-testid="move-refused">(.*?)<', resp.get_data(as_text=True)) == [
        "Merchants who opted in: 1; the campaign needed at least 2."]
    db.refresh(campaign)
    assert campaign.status == "open"
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id) == 0

    ops.opt_in(db, campaign, create_member(organizer_chamber), offer_headline="八折", now=NOW)
    db.commit()
    resp = client.post(M(organizer_chamber, campaign, "/transition"), data={"to": "locked", "confirmed": "yes"})
    assert resp.status_code == 302
    db.refresh(campaign)
    assert campaign.status == "locked"
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "pledge") == 2

    resp = client.post(M(organizer_chamber, campaign, "/transition"), data={"to": "bogus"})
    assert resp.status_code == 400


def test_cancel_with_a_reason_participants_see(client, db, login, locked_campaign):
    campaign, members = locked_campaign(2)
    chamber = campaign.chamber
    login(campaign.organizer)
    resp = client.post(M(chamber, campaign, "/transition"), data={"to": "cancelled", "reason": "赞助商退出", "confirmed": "yes"})
    assert resp.status_code == 302
    db.refresh(campaign)
    assert (campaign.status, campaign.cancel_reason) == ("cancelled", "赞助商退出")
    assert told(db, "campaigns.cancelled", campaign.id) == sorted(m.user_id for m in members)

    login(members[0].user)
    dashboard = client.get(f"/chambers/{chamber.slug}/dashboard")
    assert "赞助商退出" in text(dashboard)
    assert "赞助商退出" in text(client.get(f"/chambers/{chamber.slug}/campaigns"))
    assert "赞助商退出" in text(client.get(K(chamber, campaign)))


def test_settle_page_refund_and_refusal_before_the_end(client, db, login, locked_campaign):
    campaign, members = locked_campaign(2)
    chamber, org = campaign.chamber, campaign.organizer
    ops.record_payment(db, campaign, org, member_id=members[0].id, amount_minor=500_00, method="cash", paid_on=dt.date(2030, 10, 2))
    db.commit()
    login(org)
    resp = client.post(M(chamber, campaign, "/settlement"), data={"mode": "refund", "confirmed": "yes"})
    assert resp.status_code == 409  # locked, not ended
    db.refresh(campaign)
    assert campaign.status == "locked"

    ops.transition_campaign(db, campaign, "live", org, now=NOW)
    ops.transition_campaign(db, campaign, "ended", org, now=NOW)
    db.commit()
    page = client.get(M(chamber, campaign))
    assert f'href="{M(chamber, campaign, "/settlement")}"' in page.get_data(as_text=True)
    form = client.get(M(chamber, campaign, "/settlement")).get_data(as_text=True)
    # real radio buttons, refund chosen unless the organizer picks carry, and what each would write
    assert re.search(r'<input[^>]*checked[^>]*type="radio"[^>]*value="refund"|<input[^>]*type="radio"[^>]*value="refund"[^>]*checked', form)
    assert re.search(r'<input[^>]*type="radio"[^>]*value="carry"', form)
    assert "¥500.00" in text_of(form, "plan-refund") and "¥500.00" in text_of(form, "plan-carry")
    assert client.post(M(chamber, campaign, "/settlement"), data={"mode": "keep"}).status_code == 400
    asked = client.post(M(chamber, campaign, "/settlement"), data={"mode": "refund"})
    assert asked.status_code == 200 and 'data-testid="confirm"' in asked.get_data(as_text=True)
    assert members[0].business_name in text_of(asked.get_data(as_text=True), "confirm-rows")
    db.refresh(campaign)
    assert campaign.status == "ended"  # nothing written before the confirmation
    resp = client.post(M(chamber, campaign, "/settlement"), data={"mode": "refund", "confirmed": "yes"})
    assert resp.status_code == 302
    db.refresh(campaign)
    assert (campaign.status, campaign.settlement_mode) == ("settled", "refund")
    refunds = db.scalars(select(LedgerEntry).where(LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "refund")).all()
    assert [(r.member_id, r.amount_minor) for r in refunds] == [(members[0].id, 500_00)]


# --------------------------------------------------------------------------- members: opt in, share, withdraw


def test_member_opts_in_sees_the_share_change_and_withdraws(client, db, login, make_campaign, create_chamber, create_member):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open")
    me, other = create_member(chamber), create_member(chamber)
    login(me.user)
    dashboard = client.get(f"/chambers/{chamber.slug}/dashboard").get_data(as_text=True)
    assert f'href="/chambers/{chamber.slug}/campaigns"' in dashboard
    assert campaign.title in text(client.get(f"/chambers/{chamber.slug}/campaigns"))

    page = client.get(K(chamber, campaign))
    assert page.status_code == 200 and 'data-testid="opt-in"' in page.get_data(as_text=True)

    resp = client.post(K(chamber, campaign, "/participation"), data={"offer_headline": "", "member_id": me.id})
    assert resp.status_code == 400
    assert field_errors(resp, "offer_headline")
    assert count_rows(db, Participation, Participation.campaign_id == campaign.id) == 0

    resp = client.post(K(chamber, campaign, "/participation"), data={"offer_headline": "全场九折", "member_id": me.id})
    assert resp.status_code == 302
    share = re.search(r'data-testid="my-share">(.*?)<', client.get(K(chamber, campaign)).get_data(as_text=True))
    assert share and share.group(1) == "¥1,000.00"

    ops.opt_in(db, campaign, other, offer_headline="满百减十", now=NOW)
    db.commit()
    share = re.search(r'data-testid="my-share">(.*?)<', client.get(K(chamber, campaign)).get_data(as_text=True))
    assert share and share.group(1) == "¥500.00"

    resp = client.post(K(chamber, campaign, "/participation"), data={"offer_headline": "全场八折", "member_id": me.id})
    assert resp.status_code == 302
    assert db.scalar(select(Participation.offer_headline).where(Participation.member_id == me.id)) == "全场八折"

    resp = client.post(K(chamber, campaign, "/withdrawal"), data={"member_id": me.id, "confirmed": "yes"})
    assert resp.status_code == 302
    assert count_rows(db, Participation, Participation.member_id == me.id) == 0


def test_someone_elses_business_cannot_opt_in(client, db, login, make_campaign, create_chamber, create_member):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open")
    me, other = create_member(chamber), create_member(chamber)
    login(me.user)
    resp = client.post(K(chamber, campaign, "/participation"), data={"offer_headline": "x", "member_id": other.id})
    assert resp.status_code == 400
    assert count_rows(db, Participation, Participation.campaign_id == campaign.id) == 0


def test_after_lock_the_member_sees_pledge_and_cannot_withdraw(client, db, login, locked_campaign):
    campaign, members = locked_campaign(4)
    me = members[0]
    ops.record_payment(db, campaign, campaign.organizer, member_id=me.id, amount_minor=100_00, method="alipay",
                       paid_on=dt.date(2030, 10, 2))
    db.commit()
    login(me.user)
    page = client.get(K(campaign.chamber, campaign))
    html = page.get_data(as_text=True)
    assert re.search(r'data-testid="my-pledge">¥250.00<', html)
    assert re.search(r'data-testid="my-outstanding">¥150.00<', html)
    assert 'data-testid="withdraw"' not in html

    resp = client.post(K(campaign.chamber, campaign, "/withdrawal"), data={"member_id": me.id})
    assert resp.status_code == 409
    assert "Withdrawing is possible only while the campaign is open" in text(resp)
    assert count_rows(db, Participation, Participation.member_id == me.id) == 1

    resp = client.post(K(campaign.chamber, campaign, "/participation"), data={"offer_headline": "x", "member_id": me.id})
    assert resp.status_code == 409


def test_drafts_are_hidden_from_members(client, login, make_campaign, create_chamber, create_member):
    chamber = create_chamber()
    campaign = make_campaign(chamber)
    login(create_member(chamber).user)
    assert client.get(K(chamber, campaign)).status_code == 404
    assert client.get(K(chamber, campaign, "/ledger")).status_code == 404
    assert campaign.title not in text(client.get(f"/chambers/{chamber.slug}/campaigns"))


# --------------------------------------------------------------------------- ledger actions


def test_record_payment(client, db, login, locked_campaign, create_member):
    campaign, members = locked_campaign(2)
    chamber = campaign.chamber
    outsider = create_member(chamber)  # approved, but not a participant
    login(campaign.organizer)
    page = client.get(M(chamber, campaign, "/payments")).get_data(as_text=True)
    assert f'value="{members[0].id}"' in page and f'value="{outsider.id}"' not in page

    data = {"member_id": members[0].id, "amount": "120.50", "method": "wechat_pay", "reference": "WX-1", "paid_on": "2026-10-02"}
    assert client.post(M(chamber, campaign, "/payments"), data=data).status_code == 302
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "payment"))
    assert (entry.member_id, entry.amount_minor, entry.method, entry.reference, entry.paid_on) == (
        members[0].id, 120_50, "wechat_pay", "WX-1", dt.date(2026, 10, 2))
    assert entry.created_by_id == campaign.organizer.id

    resp = client.post(M(chamber, campaign, "/payments"), data={**data, "member_id": outsider.id})
    assert resp.status_code == 400
    assert "is not a participant" in " ".join(field_errors(resp, "member_id"))
    resp = client.post(M(chamber, campaign, "/payments"), data={**data, "amount": "1.005"})
    assert resp.status_code == 400 and field_errors(resp, "amount")
    resp = client.post(M(chamber, campaign, "/payments"), data={**data, "amount": "0"})
    assert resp.status_code == 400 and field_errors(resp, "amount")
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "payment") == 1


def test_record_expense_with_receipt(client, db, login, locked_campaign):
    campaign, members = locked_campaign(2)
    chamber, org = campaign.chamber, campaign.organizer
    ops.record_payment(db, campaign, org, member_id=members[0].id, amount_minor=300_00, method="cash", paid_on=dt.date(2030, 10, 2))
    db.commit()
    login(org)
    page = client.get(M(chamber, campaign, "/expenses")).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "¥300.00" in page

    data = {"payee": "印刷厂", "category": "printing", "amount": "100.00", "description": "海报"}
    resp = client.post(M(chamber, campaign, "/expenses"), data={**data, "receipt": (io.BytesIO(PNG), "r.png")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "expense"))
    assert (entry.payee, entry.amount_minor) == ("印刷厂", 100_00)
    assert db.get(Receipt, entry.receipt_id).content_type == "image/png"

    # the receipt can be opened from the ledger page
    ledger = client.get(K(chamber, campaign, "/ledger")).get_data(as_text=True)
    link = K(chamber, campaign, f"/receipts/{entry.receipt_id}")
    assert f'href="{link}"' in ledger
    got = client.get(link)
    assert got.status_code == 200 and got.data == PNG and got.mimetype == "image/png"

    resp = client.post(M(chamber, campaign, "/expenses"), data={**data, "amount": "200.01"})
    assert resp.status_code == 409
    assert "more than the" in " ".join(field_errors(resp, "amount"))
    resp = client.post(M(chamber, campaign, "/expenses"), data={**data, "receipt": (io.BytesIO(b"MZ\x90\x00 exe"), "r.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and field_errors(resp, "receipt")
    resp = client.post(M(chamber, campaign, "/expenses"), data={**data, "payee": ""})
    assert resp.status_code == 400 and field_errors(resp, "payee")
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "expense") == 1
    assert count_rows(db, Receipt, Receipt.chamber_id == chamber.id) == 1


def test_reverse_an_entry(client, db, login, locked_campaign):
    campaign, members = locked_campaign(2)
    chamber, org = campaign.chamber, campaign.organizer
    payment = ops.record_payment(db, campaign, org, member_id=members[0].id, amount_minor=50_00, method="cash",
                                 paid_on=dt.date(2030, 10, 2))
    pledge = db.scalar(select(LedgerEntry).where(LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "pledge"))
    db.commit()
    login(org)
    url = M(chamber, campaign, f"/ledger/{payment.id}/reversal")
    assert f'href="{url}"' in client.get(K(chamber, campaign, "/ledger")).get_data(as_text=True)
    assert client.get(url).status_code == 200
    resp = client.post(url, data={"reason": ""})
    assert resp.status_code == 400 and field_errors(resp, "reason")

    assert client.post(url, data={"reason": "记错了金额"}).status_code == 302
    reversal = db.scalar(select(LedgerEntry).where(LedgerEntry.reverses_id == payment.id))
    assert (reversal.entry_type, reversal.amount_minor, reversal.reason) == ("reversal", 50_00, "记错了金额")

    resp = client.post(url, data={"reason": "again"})
    assert resp.status_code == 409 and "already been reversed" in text(resp)
    resp = client.post(M(chamber, campaign, f"/ledger/{pledge.id}/reversal"), data={"reason": "no"})
    assert resp.status_code == 409
    assert client.get(M(chamber, campaign, "/ledger/999999/reversal")).status_code == 404
    assert count_rows(db, LedgerEntry, LedgerEntry.entry_type == "reversal", LedgerEntry.campaign_id == campaign.id) == 1


def test_ledger_actions_refused_before_lock(client, db, login, make_campaign, create_chamber, create_member):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open")
    member = create_member(chamber)
    ops.opt_in(db, campaign, member, offer_headline="x", now=NOW)
    db.commit()
    login(chamber.organizer)
    data = {"member_id": member.id, "amount": "1.00", "method": "cash", "paid_on": "2026-10-02"}
    resp = client.post(M(chamber, campaign, "/payments"), data=data)
    assert resp.status_code == 409 and "The ledger opens when the campaign is locked" in text(resp)
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id) == 0


# --------------------------------------------------------------------------- the ledger page


def test_ledger_page_shows_entries_balances_and_members(client, db, login, locked_campaign, create_member, create_user):
    campaign, members = locked_campaign(2)
    chamber, org = campaign.chamber, campaign.organizer
    ops.record_payment(db, campaign, org, member_id=members[0].id, amount_minor=250_00, method="bank_transfer",
                       reference="BANK-7", paid_on=dt.date(2030, 10, 2), now=NOW)
    ops.record_expense(db, campaign, org, payee="抖音广告", category="ads", amount_minor=80_00, now=NOW)
    db.commit()
    login(members[1].user)
    page = client.get(K(chamber, campaign, "/ledger"))
    assert page.status_code == 200
    body = text(page)
    for expected in ("Bank transfer", "抖音广告", members[0].business_name, org.display_name, "China Standard Time", "¥170.00", "¥500.00"):
        assert expected in body, expected
    assert "BANK-7" not in body  # another member's transaction number (tests/campaigns/test_payments.py)
    assert "/reversal\"" not in page.get_data(as_text=True)  # members get no reversal links
    row = re.search(r'<tr data-member="%d">(.*?)</tr>' % members[0].id, page.get_data(as_text=True), re.S).group(1)
    assert re.findall(r"¥[\d,.]+", row) == ["¥500.00", "¥250.00", "¥250.00", "¥0.00"]

    # outsiders: another chamber's member, and a logged-in stranger
    login(create_member().user)
    assert client.get(K(chamber, campaign, "/ledger")).status_code == 404
    login(create_user())
    assert client.get(K(chamber, campaign, "/ledger")).status_code == 404


def test_ledger_page_queries_do_not_grow_with_participants(client, db, login, locked_campaign, count_queries):
    counts = []
    for n in (10, 40):
        campaign, members = locked_campaign(n)
        for m in members:
            ops.record_payment(db, campaign, campaign.organizer, member_id=m.id, amount_minor=10_00, method="cash",
                               paid_on=dt.date(2030, 10, 2))
        db.commit()
        login(campaign.organizer)
        url = K(campaign.chamber, campaign, "/ledger")
        client.get(url)  # warm up
        with count_queries() as queries:
            resp = client.get(url)
        assert resp.status_code == 200
        assert resp.get_data(as_text=True).count('data-testid="entry"') == 2 * n
        counts.append(queries())
    assert counts[0] == counts[1], counts


def test_organizer_pages_are_404_for_members(client, login, locked_campaign):
    campaign, members = locked_campaign(1)
    login(members[0].user)
    for tail in ("", "/edit", "/payments", "/expenses", "/settlement"):
        assert client.get(M(campaign.chamber, campaign, tail)).status_code == 404, tail
    assert client.get(M(campaign.chamber)).status_code == 404
    assert client.post(M(campaign.chamber, campaign, "/transition"), data={"to": "live"}).status_code == 404

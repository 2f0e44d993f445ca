"""Campaign operations: settings, status moves, opt-in, shares, ledger, settlement, the clock."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from campaigns import errors, presenters, queries
from campaigns import operations as ops
from campaigns.jobs import advance_campaigns
from campaigns.models import Campaign, LedgerEntry, Receipt
from chamber.errors import Conflict, Invalid
from tests.campaigns.conftest import NOW
from tests.helpers import told

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ledger_count(db, campaign) -> int:
    return db.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.campaign_id == campaign.id))


# --------------------------------------------------------------------------- settings


def test_create_refuses_end_before_start_and_deadline_after_start(db, create_chamber, make_campaign):
    chamber = create_chamber()
    with pytest.raises(Invalid) as err:
        make_campaign(chamber, ends_at=NOW + dt.timedelta(days=5))
    assert err.value.field == "ends_at"
    with pytest.raises(Invalid) as err:
        make_campaign(chamber, optin_deadline=NOW + dt.timedelta(days=25))
    assert err.value.field == "optin_deadline"
    db.rollback()
    assert db.scalar(select(func.count(Campaign.id)).where(Campaign.chamber_id == chamber.id)) == 0


def test_create_refuses_rule_that_can_never_be_met_with_money_in_the_message(db, make_campaign):
    with pytest.raises(Invalid) as err:
        make_campaign(min_share_minor=400_00, max_share_pct=Decimal(30))
    assert err.value.field == "max_share_pct"
    assert "¥400.00" in err.value.message and "¥300.00" in err.value.message and "¥1,000.00" in err.value.message


def test_duplicate_slug_conflicts(db, create_chamber, make_campaign):
    chamber = create_chamber()
    make_campaign(chamber, slug="d11")
    with pytest.raises(Conflict):
        make_campaign(chamber, slug="d11")


def test_edit_checks_the_rule_against_current_participants(db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open")
    for _ in range(3):
        ops.opt_in(db, campaign, create_member(chamber), offer_headline="x", now=NOW)
    fields = {k: getattr(campaign, k) for k in ops.CAMPAIGN_FIELDS}
    with pytest.raises(Invalid) as err:  # 3 × 20 % of the budget cannot cover it
        ops.update_campaign(db, campaign, **{**fields, "max_share_pct": Decimal(20)})
    assert "600.00" in err.value.message
    ops.update_campaign(db, campaign, **{**fields, "max_share_pct": Decimal(40), "title": "新标题"})
    assert campaign.title == "新标题"


# --------------------------------------------------------------------------- status moves


def test_full_life_cycle_and_forbidden_moves(db, locked_campaign):
    campaign, _members = locked_campaign()
    org = campaign.organizer
    with pytest.raises(Conflict):
        ops.transition_campaign(db, campaign, "open", org, now=NOW)
    with pytest.raises(Conflict):
        ops.transition_campaign(db, campaign, "ended", org, now=NOW)
    ops.transition_campaign(db, campaign, "live", org, now=NOW)
    ops.transition_campaign(db, campaign, "ended", org, now=NOW)
    with pytest.raises(Invalid):
        ops.transition_campaign(db, campaign, "settled", org, mode="keep", now=NOW)
    ops.transition_campaign(db, campaign, "settled", org, mode="carry", now=NOW)
    assert campaign.status == "settled"
    with pytest.raises(Conflict):
        ops.transition_campaign(db, campaign, "cancelled", org, now=NOW)


def test_draft_cannot_skip_to_live(db, make_campaign):
    campaign = make_campaign()
    with pytest.raises(Conflict) as err:
        ops.transition_campaign(db, campaign, "live", campaign.organizer, now=NOW)
    assert "draft" in err.value.message


# --------------------------------------------------------------------------- participation


def test_opt_in_twice_updates_and_withdraw(db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open")
    member = create_member(chamber)
    _p, created = ops.opt_in(db, campaign, member, offer_headline="九折", now=NOW)
    assert created
    p, created = ops.opt_in(db, campaign, member, offer_headline="八折", offer_details="满100", now=NOW)
    assert not created and p.offer_headline == "八折"
    assert queries.participant_count(db, campaign) == 1
    ops.withdraw(db, campaign, member, now=NOW)
    assert queries.participant_count(db, campaign) == 0


def test_opt_in_refused_when_not_open_past_deadline_or_not_approved(db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    draft = make_campaign(chamber)
    member = create_member(chamber)
    with pytest.raises(Conflict):
        ops.opt_in(db, draft, member, offer_headline="x", now=NOW)
    campaign = make_campaign(chamber, status="open")
    with pytest.raises(Conflict):
        ops.opt_in(db, campaign, member, offer_headline="x", now=NOW + dt.timedelta(days=11))
    pending = create_member(chamber, status="pending")
    with pytest.raises(Conflict):
        ops.opt_in(db, campaign, pending, offer_headline="x", now=NOW)


def test_withdraw_after_lock_conflicts(db, locked_campaign):
    campaign, members = locked_campaign()
    with pytest.raises(Conflict):
        ops.withdraw(db, campaign, members[0], now=NOW)
    assert queries.participant_count(db, campaign) == 4


# --------------------------------------------------------------------------- shares


def test_tier_shares_preview_then_frozen_pledges(db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", method="tier", budget_minor=700_00)
    small = create_member(chamber, tier="micro")  # weight 1
    big = create_member(chamber, tier="core")  # weight 4
    mid = create_member(chamber, tier="growth")  # weight 2
    for m in (small, big, mid):
        ops.opt_in(db, campaign, m, offer_headline="x", now=NOW)
    preview = {i["member_id"]: i["share_minor"] for i in queries.compute_shares(db, campaign)}
    assert preview == {small.id: 100_00, mid.id: 200_00, big.id: 400_00}
    ops.transition_campaign(db, campaign, "locked", campaign.organizer, now=NOW)
    frozen = queries.compute_shares(db, campaign)
    assert {i["member_id"]: i["share_minor"] for i in frozen} == preview
    assert {i["member_id"]: i["weight"] for i in frozen}[big.id] == Decimal(4)
    assert queries.balances(db, campaign).pledged == 700_00


def test_revenue_shares_with_cap(db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", method="revenue", max_share_pct=Decimal(50))
    a = create_member(chamber, annual_revenue_minor=9_000_000_00)
    b = create_member(chamber, annual_revenue_minor=1_000_000_00)
    c = create_member(chamber, annual_revenue_minor=1_000_000_00)
    for m in (a, b, c):
        ops.opt_in(db, campaign, m, offer_headline="x", now=NOW)
    shares = {i["member_id"]: i["share_minor"] for i in queries.compute_shares(db, campaign)}
    assert shares == {a.id: 500_00, b.id: 250_00, c.id: 250_00}


def test_lock_refuses_rule_that_cannot_be_met(db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", max_share_pct=Decimal(30))
    for _ in range(2):
        ops.opt_in(db, campaign, create_member(chamber), offer_headline="x", now=NOW)
    with pytest.raises(Conflict) as err:
        ops.transition_campaign(db, campaign, "locked", campaign.organizer, now=NOW)
    assert "300.00" in err.value.message and "600.00" in err.value.message
    db.rollback()
    assert db.get(Campaign, campaign.id).status == "open"
    assert ledger_count(db, campaign) == 0


def test_manual_lock_refuses_unmet_threshold(db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", min_participants=3)
    ops.opt_in(db, campaign, create_member(chamber), offer_headline="x", now=NOW)
    with pytest.raises(Conflict) as err:
        ops.transition_campaign(db, campaign, "locked", campaign.organizer, now=NOW)
    assert err.value.message == "Merchants who opted in: 1; the campaign needed at least 3."


# --------------------------------------------------------------------------- the clock


def test_job_locks_at_deadline_then_live_then_ended(app, db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open")
    for _ in range(2):
        ops.opt_in(db, campaign, create_member(chamber), offer_headline="x", now=NOW)
    db.commit()
    advance_campaigns(app, NOW + dt.timedelta(days=1))
    db.expire_all()
    assert campaign.status == "open"
    assert advance_campaigns(app, NOW + dt.timedelta(days=10)) >= 1
    db.expire_all()
    assert campaign.status == "locked"
    assert queries.balances(db, campaign).pledged == 1000_00
    advance_campaigns(app, NOW + dt.timedelta(days=20))
    db.expire_all()
    assert campaign.status == "live"
    advance_campaigns(app, NOW + dt.timedelta(days=31))
    db.expire_all()
    assert campaign.status == "ended"


def test_job_cancels_when_threshold_not_met_and_tells_every_participant(app, db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", min_participants=3, max_share_pct=Decimal(40),
                             min_pooled_minor=1000_00)
    members = [create_member(chamber) for _ in range(2)]
    for m in members:
        ops.opt_in(db, campaign, m, offer_headline="x", now=NOW)
    db.commit()
    advance_campaigns(app, NOW + dt.timedelta(days=10, minutes=1))
    db.expire_all()
    assert campaign.status == "cancelled"
    assert campaign.cancel_reason == "只有 2 家商户报名；该活动至少需要 3 家。"  # in the chamber's language
    assert told(db, "campaigns.cancelled", campaign.id) == sorted(m.user_id for m in members)
    assert ledger_count(db, campaign) == 0  # nobody owes anything
    notices = queries.notices_for(db, chamber, members[0].user_id)
    assert [n.kind for n in notices][:1] == ["campaigns.cancelled"]
    assert campaign.cancel_reason in notices[0].body_text  # the reason, in the member's inbox


def test_min_pooled_uses_what_the_cap_lets_participants_pool(db, create_chamber, create_member, make_campaign):
    chamber = create_chamber()
    # 3 members × 30 % of 1000.00 = 900.00 collectable < 950.00 wanted
    campaign = make_campaign(chamber, status="open", max_share_pct=Decimal(30), min_pooled_minor=950_00)
    for _ in range(3):
        ops.opt_in(db, campaign, create_member(chamber), offer_headline="x", now=NOW)
    with pytest.raises(Conflict) as err:
        ops.transition_campaign(db, campaign, "locked", campaign.organizer, now=NOW)
    assert "900.00" in err.value.message and "950.00" in err.value.message


# --------------------------------------------------------------------------- ledger


def test_reversals(db, locked_campaign):
    campaign, (a, *_rest) = locked_campaign()
    org = campaign.organizer
    pay = ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=100_00, method="alipay",
                             paid_on=dt.date(2030, 10, 2))
    spend = ops.record_expense(db, campaign, org, payee="x", category="ads", amount_minor=80_00)
    with pytest.raises(Conflict):  # the money is spent: reversing the payment would go negative
        ops.reverse_entry(db, campaign, pay, org, reason="typo")
    rev = ops.reverse_entry(db, campaign, spend, org, reason="wrong campaign")
    assert rev.reverses_id == spend.id and rev.amount_minor == 80_00
    with pytest.raises(Conflict):
        ops.reverse_entry(db, campaign, spend, org, reason="again")
    with pytest.raises(Conflict):
        ops.reverse_entry(db, campaign, rev, org, reason="undo")
    pledge = db.scalar(select(LedgerEntry).where(LedgerEntry.campaign_id == campaign.id,
                                                 LedgerEntry.entry_type == "pledge").limit(1))
    with pytest.raises(Conflict):
        ops.reverse_entry(db, campaign, pledge, org, reason="no")
    ops.reverse_entry(db, campaign, pay, org, reason="typo")
    b = queries.balances(db, campaign)
    assert (b.paid, b.spent, b.available) == (0, 0, 0)


def test_ledger_entries_cannot_be_updated_or_deleted(db, locked_campaign):
    campaign, _members = locked_campaign()
    with pytest.raises(DatabaseError):
        with db.begin_nested():
            db.execute(text("UPDATE ledger_entries SET amount_minor = 1 WHERE campaign_id = :c"), {"c": campaign.id})
    with pytest.raises(DatabaseError):
        with db.begin_nested():
            db.execute(text("DELETE FROM ledger_entries WHERE campaign_id = :c"), {"c": campaign.id})
    assert queries.balances(db, campaign).pledged == 1000_00


def test_receipts_checked_by_magic_bytes_and_size(db, locked_campaign):
    campaign, (a, *_rest) = locked_campaign()
    org = campaign.organizer
    ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=250_00, method="alipay",
                       paid_on=dt.date(2030, 10, 2))
    entry = ops.record_expense(db, campaign, org, payee="x", category="print", amount_minor=10_00, receipt=PDF)
    receipt = db.get(Receipt, entry.receipt_id)
    assert (receipt.content_type, receipt.size) == ("application/pdf", len(PDF))
    assert ops.record_expense(db, campaign, org, payee="x", category="p", amount_minor=1, receipt=PNG).receipt_id
    before = ledger_count(db, campaign)
    with pytest.raises(Invalid):
        ops.record_expense(db, campaign, org, payee="x", category="p", amount_minor=1, receipt=b"MZ\x90\x00 not a pdf")
    with pytest.raises(errors.ReceiptTooLarge):
        ops.record_expense(db, campaign, org, payee="x", category="p", amount_minor=1,
                           receipt=b"%PDF-" + b"0" * (5 * 1024 * 1024))
    assert ledger_count(db, campaign) == before


# --------------------------------------------------------------------------- settlement


def test_settle_refund_in_proportion_to_payments(db, locked_campaign):
    campaign, (a, b, c, _d) = locked_campaign()
    org = campaign.organizer
    for m, amount in ((a, 250_00), (b, 250_00), (c, 100_00)):
        ops.record_payment(db, campaign, org, member_id=m.id, amount_minor=amount, method="alipay",
                           paid_on=dt.date(2030, 10, 2))
    ops.record_expense(db, campaign, org, payee="x", category="ads", amount_minor=480_00)
    ops.transition_campaign(db, campaign, "live", org, now=NOW)
    ops.transition_campaign(db, campaign, "ended", org, now=NOW)
    ops.settle_campaign(db, campaign, "refund", org, now=NOW)
    view = presenters.ledger_view(db, campaign)
    refunds = {m["member_id"]: m["refund_minor"] for m in view["members"]}
    assert refunds == {a.id: 50_00, b.id: 50_00, c.id: 20_00, _d.id: 0}
    bal = view["balances"]
    assert bal["paid"] == bal["spent"] + bal["refunded"] + bal["carried"]
    assert bal["available"] == 0
    with pytest.raises(Conflict):  # ledger closed
        ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=1, method="cash", paid_on=dt.date(2030, 11, 1))


def test_settle_carry_goes_to_the_chamber_fund(db, locked_campaign):
    campaign, (a, *_rest) = locked_campaign()
    org = campaign.organizer
    ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=250_00, method="alipay",
                       paid_on=dt.date(2030, 10, 2))
    ops.record_expense(db, campaign, org, payee="x", category="ads", amount_minor=50_00)
    ops.transition_campaign(db, campaign, "live", org, now=NOW)
    with pytest.raises(Conflict):  # only an ended campaign settles
        ops.settle_campaign(db, campaign, "carry", org, now=NOW)
    ops.transition_campaign(db, campaign, "ended", org, now=NOW)
    ops.settle_campaign(db, campaign, "carry", org, now=NOW)
    chamber = campaign.chamber
    assert queries.chamber_fund_balance(db, chamber) == 200_00
    assert presenters.ledger_view(db, campaign)["balances"]["carried"] == 200_00


def test_cancel_after_payments_refunds_what_is_left_and_clears_what_is_owed(db, locked_campaign, app):
    campaign, (a, b, *_rest) = locked_campaign()
    org = campaign.organizer
    ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=200_00, method="alipay", paid_on=dt.date(2030, 10, 2))
    ops.record_payment(db, campaign, org, member_id=b.id, amount_minor=100_00, method="alipay", paid_on=dt.date(2030, 10, 2))
    ops.record_expense(db, campaign, org, payee="x", category="ads", amount_minor=150_00)
    with app.test_request_context():  # participants are told through the delivery service
        ops.transition_campaign(db, campaign, "cancelled", org, reason="暴雨停业", now=NOW)
    view = presenters.ledger_view(db, campaign)
    assert {m["member_id"]: m["refund_minor"] for m in view["members"] if m["refund_minor"]} == {a.id: 100_00, b.id: 50_00}
    assert all(m["outstanding_minor"] == 0 for m in view["members"])
    assert campaign.cancel_reason == "暴雨停业"
    assert len(told(db, "campaigns.cancelled", campaign.id)) == 4


def test_campaign_data_counts_the_participants_and_names_the_currency(db, locked_campaign):
    campaign, _members = locked_campaign()
    summary = presenters.campaign_data(db, campaign)
    assert summary["status"] == "locked" and summary["participant_count"] == 4
    assert summary["budget_minor"] == 1000_00 and summary["currency"] == "CNY"

"""What must never exist twice: the database refuses it, and a request that runs into it gets 409.

One pledge per participant, one refund per member, one carry to the fund per campaign, one
reversal per entry; and a closed ledger takes nothing more.  The races themselves are in
test_races.py; here a stray row stands for what a racing request committed first.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from campaigns import errors, queries
from campaigns import operations as ops
from campaigns.models import Campaign, LedgerEntry
from chamber.errors import Conflict
from tests.campaigns.conftest import NOW
from tests.conftest import count_rows
from tests.helpers import text

PAID_ON = dt.date(2030, 10, 2)
EN = {"Accept-Language": "en"}
#: what the loser of a race is told (chamber.web answers an IntegrityError with it)
AGAIN = "Someone else just saved the same thing. Reload and try again."


def stray(db: Any, campaign: Campaign, entry_type: str, member_id: int | None = None, amount: int = 1_00) -> LedgerEntry:
    entry = LedgerEntry(chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type=entry_type,
                        member_id=member_id, amount_minor=amount, created_by_id=campaign.created_by_id)
    db.add(entry)
    return entry


@pytest.mark.parametrize(("entry_type", "per_member"), [("pledge", True), ("refund", True), ("carry_to_fund", False)])
def test_the_database_refuses_a_second_one(db, locked_campaign, entry_type, per_member):
    campaign, (a, b, *_rest) = locked_campaign()  # the lock pledged a and b once each
    if entry_type != "pledge":
        for member in (a, b) if per_member else (None,):  # one each is fine
            stray(db, campaign, entry_type, member.id if member else None)
        db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        stray(db, campaign, entry_type, a.id if per_member else None)
        db.flush()


def test_a_second_reversal_of_one_entry_is_refused_by_the_database(db, locked_campaign):
    campaign, (a, *_rest) = locked_campaign()
    payment = ops.record_payment(db, campaign, campaign.organizer, member_id=a.id, amount_minor=10_00,
                                 method="cash", paid_on=PAID_ON)
    ops.reverse_entry(db, campaign, payment, campaign.organizer, reason="重复")
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(LedgerEntry(chamber_id=campaign.chamber_id, campaign_id=campaign.id, entry_type="reversal",
                           member_id=a.id, amount_minor=10_00, reverses_id=payment.id,
                           created_by_id=campaign.created_by_id))
        db.flush()


def test_a_lock_that_runs_into_a_committed_pledge_answers_409_in_the_api(client, db, make_campaign, create_member,
                                                                         token_for):
    campaign = make_campaign(status="open")
    member = create_member(chamber=campaign.chamber)
    ops.opt_in(db, campaign, member, offer_headline="九折", now=NOW)
    stray(db, campaign, "pledge", member.id, 0)
    db.commit()
    resp = client.post(f"/api/v1/chambers/{campaign.chamber.slug}/campaigns/{campaign.slug}/transitions",
                       json={"to": "locked"}, headers={**token_for(campaign.organizer), **EN})
    assert resp.status_code == 409, resp.text
    assert resp.json["error"] == {"code": "conflict", "message": AGAIN}
    db.expire_all()
    assert db.get(Campaign, campaign.id).status == "open"
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id) == 1


def test_a_settlement_that_runs_into_a_committed_one_answers_409_on_the_page(client, db, locked_campaign, login):
    campaign, (a, *_rest) = locked_campaign()
    org = campaign.organizer
    ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=100_00, method="cash", paid_on=PAID_ON)
    ops.transition_campaign(db, campaign, "live", org, now=NOW)
    ops.transition_campaign(db, campaign, "ended", org, now=NOW)
    stray(db, campaign, "carry_to_fund", None, 30_00)  # what a settle(carry) that won wrote
    db.commit()
    login(org)
    chamber = campaign.chamber
    resp = client.post(f"/chambers/{chamber.slug}/manage/campaigns/{campaign.slug}/settlement",
                       data={"mode": "carry", "confirmed": "yes"}, headers=EN)
    assert resp.status_code == 409 and AGAIN in text(resp)
    db.expire_all()
    assert db.get(Campaign, campaign.id).status == "ended"


@pytest.mark.parametrize("close", ["settled", "cancelled"])
def test_a_closed_ledger_takes_no_payment_expense_or_reversal(db, locked_campaign, close):
    campaign, (a, *_rest) = locked_campaign()
    org = campaign.organizer
    payment = ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=100_00, method="cash", paid_on=PAID_ON)
    expense = ops.record_expense(db, campaign, org, payee="印刷厂", category="printing", amount_minor=40_00)
    if close == "settled":
        ops.transition_campaign(db, campaign, "live", org, now=NOW)
        ops.transition_campaign(db, campaign, "ended", org, now=NOW)
        ops.settle_campaign(db, campaign, "refund", org, now=NOW)
    else:
        ops.transition_campaign(db, campaign, "cancelled", org, reason="下雨", now=NOW)
    db.commit()
    before = count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id)
    attempts = [
        lambda: ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=1_00, method="cash", paid_on=PAID_ON),
        lambda: ops.record_expense(db, campaign, org, payee="x", category="ads", amount_minor=1),
        lambda: ops.reverse_entry(db, campaign, expense, org, reason="x"),
        lambda: ops.reverse_entry(db, campaign, payment, org, reason="x"),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict, match="ledger is closed"):
            attempt()
        db.rollback()
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id) == before
    assert queries.balances(db, campaign).available == 0


@pytest.mark.parametrize("to", ["locked", "cancelled"])
def test_the_second_of_two_moves_decides_on_the_row_it_locks(db, make_campaign, create_member, to):
    campaign = make_campaign(status="open")
    ops.opt_in(db, campaign, create_member(chamber=campaign.chamber), offer_headline="九折", now=NOW)
    ops.transition_campaign(db, campaign, to, campaign.organizer, now=NOW)
    db.commit()
    # what a request that loaded the campaign just before the first move committed still holds
    set_committed_value(campaign, "status", "open")
    with pytest.raises(Conflict, match=f"already {errors.status_name(to)}"):
        ops.transition_campaign(db, campaign, to, campaign.organizer, now=NOW)
    assert campaign.status == to
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id,
                      LedgerEntry.entry_type == "pledge") == (1 if to == "locked" else 0)


def test_a_payment_after_the_cancellation_is_refused_even_if_the_request_read_it_before(db, locked_campaign):
    campaign, (a, *_rest) = locked_campaign()
    ops.transition_campaign(db, campaign, "cancelled", campaign.organizer, reason="下雨", now=NOW)
    db.commit()
    set_committed_value(campaign, "status", "locked")
    with pytest.raises(Conflict, match="ledger is closed"):
        ops.record_payment(db, campaign, campaign.organizer, member_id=a.id, amount_minor=1_00, method="cash",
                           paid_on=PAID_ON)

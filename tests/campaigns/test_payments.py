"""Payments, in one place: who may be paid for and how much (never more than is still owed), the
dates a payment may have, in the API, on the page and in the operation; who sees a payment's
reference (organizers and the paying member; every participant sees amounts and methods); and the
receipts of what is spent, up to 5 MB. The numbers printed in the PDFs are in test_pdf_numbers.py,
the owed and settlement rules in test_owed_rules.py."""
from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from campaigns import operations as ops
from campaigns import presenters
from campaigns.models import LedgerEntry, Receipt
from chamber.db import utcnow
from chamber.errors import Conflict, Invalid
from tests.campaigns.conftest import api
from tests.campaigns.test_documents import funded, url  # noqa: F401  (funded is a fixture)
from tests.conftest import count_rows
from tests.helpers import field_errors, text, text_of

EN = {"Accept-Language": "en"}


def ledger_count(db: Any, campaign: Any) -> int:
    return count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id)


def test_payment_for_non_participant_is_refused(db, create_member, locked_campaign):
    campaign, _members = locked_campaign()
    outsider = create_member()
    before = ledger_count(db, campaign)
    with pytest.raises(Invalid) as err:
        ops.record_payment(db, campaign, campaign.organizer, member_id=outsider.id, amount_minor=100,
                           method="alipay", paid_on=dt.date(2030, 10, 2))
    assert err.value.field == "member_id"
    assert ledger_count(db, campaign) == before

def test_payments_expenses_and_spending_limit(db, locked_campaign):
    campaign, (a, b, *_rest) = locked_campaign()
    org = campaign.organizer
    ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=100_00, method="wechat_pay",
                       paid_on=dt.date(2030, 10, 2))
    ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=150_00, method="cash",
                       paid_on=dt.date(2030, 10, 3))
    ops.record_payment(db, campaign, org, member_id=b.id, amount_minor=50_00, method="bank_transfer",
                       reference="TX1", paid_on=dt.date(2030, 10, 3))
    ops.record_expense(db, campaign, org, payee="印刷厂", category="print", amount_minor=200_00)
    with pytest.raises(Conflict) as err:
        ops.record_expense(db, campaign, org, payee="x", category="ads", amount_minor=100_01)
    assert "100.01" in err.value.message and "100.00" in err.value.message
    view = presenters.ledger_view(db, campaign)
    assert view["balances"] == {"pledged": 1000_00, "paid": 300_00, "spent": 200_00, "refunded": 0,
                                "written_off": 0, "carried": 0, "available": 100_00}
    by_member = {m["member_id"]: m for m in view["members"]}
    assert by_member[a.id]["outstanding_minor"] == 0
    assert by_member[b.id]["outstanding_minor"] == 200_00


# --------------------------------------------------------------------------- amounts and dates


@pytest.fixture
def locked_api(client, db, locked_campaign, token_for):
    """A locked campaign of 1000.00 in 4 equal shares, created around the real clock."""
    campaign, members = locked_campaign(4)
    org = {**token_for(campaign.organizer), **EN}
    return campaign, members, org


def pay(client, campaign, org, member, amount, paid_on=None):
    paid_on = paid_on or utcnow().astimezone(ZoneInfo(campaign.chamber.timezone)).date().isoformat()
    return client.post(api(campaign.chamber, campaign, "/payments"), headers=org,
                       json={"member_id": member.id, "amount": amount, "method": "cash", "paid_on": paid_on})


def test_payment_dates_in_the_future_or_before_2000_are_refused(client, db, locked_api):
    campaign, (a, *_rest), org = locked_api
    today = utcnow().astimezone(ZoneInfo(campaign.chamber.timezone)).date()  # the chamber's day, not UTC's
    for bad in (today + dt.timedelta(days=1), dt.date(1999, 12, 31), dt.date(1, 1, 1)):
        r = pay(client, campaign, org, a, "10.00", bad.isoformat())
        assert r.status_code == 400, (bad, r.text)
        assert "paid_on" in r.json["error"]["fields"]
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "payment") == 0
    assert pay(client, campaign, org, a, "10.00", today.isoformat()).status_code == 201
    assert pay(client, campaign, org, a, "10.00", "2000-01-01").status_code == 201


def test_payment_above_what_is_still_owed_is_refused(client, db, locked_api):
    campaign, (a, b, *_rest), org = locked_api
    assert pay(client, campaign, org, a, "100.00").status_code == 201  # partial payments are fine
    r = pay(client, campaign, org, a, "150.01")
    assert r.status_code == 409
    assert r.json["error"]["message"] == "¥150.01 is more than this member still owes (¥150.00)."
    assert "amount" in r.json["error"]["fields"]
    assert pay(client, campaign, org, a, "150.00").status_code == 201
    assert pay(client, campaign, org, a, "0.01").status_code == 409
    assert pay(client, campaign, org, b, "250.01").status_code == 409
    ledger = client.get(api(campaign.chamber, campaign, "/ledger"), headers=org).json
    assert ledger["balances"]["paid"] == "250.00"


def test_payment_page_refuses_overpayment_and_future_dates(client, db, login, locked_campaign):
    campaign, (a, *_rest) = locked_campaign(4)
    chamber = campaign.chamber
    login(campaign.organizer)
    url = f"/chambers/{chamber.slug}/manage/campaigns/{campaign.slug}/payments"
    today = utcnow().astimezone(ZoneInfo(chamber.timezone)).date()
    data = {"member_id": a.id, "amount": "300.00", "method": "cash", "reference": "", "paid_on": today.isoformat()}
    resp = client.post(url, data=data, headers=EN)
    assert resp.status_code == 409
    assert field_errors(resp, "amount") == ["¥300.00 is more than this member still owes (¥250.00)."]
    resp = client.post(url, data={**data, "amount": "1.00", "paid_on": (today + dt.timedelta(days=1)).isoformat()},
                       headers=EN)
    assert resp.status_code == 400
    assert field_errors(resp, "paid_on") == ["The payment date cannot be in the future."]
    assert count_rows(db, LedgerEntry, LedgerEntry.campaign_id == campaign.id, LedgerEntry.entry_type == "payment") == 0


@pytest.mark.parametrize("member_id", [2**31, 10**20, 0, -1])
def test_payment_member_id_out_of_range_is_400(client, locked_api, member_id):
    campaign, _members, org = locked_api
    r = client.post(api(campaign.chamber, campaign, "/payments"), headers=org,
                    json={"member_id": member_id, "amount": "1.00", "method": "cash", "paid_on": "2026-01-02"})
    assert r.status_code == 400, r.text
    assert "member_id" in r.json["error"]["fields"]


# --------------------------------------------------------------------------- references

# A paid 200.00 by WeChat Pay (WX-1) and 50.00 by Alipay (ZFB-2, reversed); B paid 10.00 cash; C paid nothing


def _reader(f: dict[str, Any], who: str) -> Any:
    return f["org"] if who == "organizer" else f["a"].user if who == "payer" else f["c"].user


@pytest.mark.parametrize("who, sees", [("organizer", True), ("payer", True), ("other", False)])
def test_ledger_api(client, funded, token_for, who, sees):
    body = client.get(url(funded, "/ledger"), headers=token_for(_reader(funded, who))).json
    payments = {i["amount"]: i for i in body["items"] if i["type"] == "payment"}
    assert payments["200.00"]["method"] == "wechat_pay" and payments["50.00"]["method"] == "alipay"
    assert (payments["200.00"]["reference"], payments["50.00"]["reference"]) == (("WX-1", "ZFB-2") if sees else ("", ""))
    assert ("WX-1" in str(body)) is sees


@pytest.mark.parametrize("who, sees", [("organizer", True), ("payer", True), ("other", False)])
def test_ledger_page(client, funded, login, who, sees):
    login(_reader(funded, who))
    page = client.get(url(funded, "/ledger", api=False), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "¥200.00" in text(page) and "WeChat Pay" in text(page)
    assert ("WX-1" in page.text) is sees and ("ZFB-2" in page.text) is sees


@pytest.mark.parametrize("api", [True, False])
@pytest.mark.parametrize("who, sees", [("organizer", True), ("payer", True), ("other", False)])
def test_ledger_csv(client, funded, token_for, login, who, sees, api):
    if api:
        resp = client.get(url(funded, "/ledger.csv"), headers=token_for(_reader(funded, who)))
    else:
        login(_reader(funded, who))
        resp = client.get(url(funded, "/ledger.csv", api=False))
    assert resp.status_code == 200
    csv_text = resp.data.decode("utf-8-sig")
    assert "200.00" in csv_text and "50.00" in csv_text
    assert ("WX-1" in csv_text) is sees and ("ZFB-2" in csv_text) is sees


def test_only_the_payer_and_organizers_get_a_statement_with_references(client, db, funded, token_for):
    path = url(funded, f"/statements/{funded['a'].id}.pdf")
    assert client.get(path, headers=token_for(funded["c"].user)).status_code == 404
    data = presenters.statement_data(db, funded["chamber"], funded["campaign"], funded["a"])
    assert {p["reference"] for p in data["payments"]} == {"WX-1", "ZFB-2"}


def test_the_report_carries_no_reference(db, funded):
    # every participant may download the report: it has amounts by member and by category only
    data = presenters.report_data(db, funded["chamber"], funded["campaign"])
    assert "WX-1" not in repr(data) and "ZFB-2" not in repr(data)


@pytest.mark.parametrize(("who", "pledge", "outstanding"), [("payer", "¥333.34", "¥133.34"),
                                                            ("other", "¥333.33", "¥333.33")])
def test_campaign_page_shows_no_other_members_reference(client, funded, login, who, pledge, outstanding):
    login(_reader(funded, who))
    page = client.get(url(funded, "", api=False))
    assert page.status_code == 200
    # the reader's own account is there (what was paid shows as an amount), the references are not
    assert (text_of(page, "my-pledge"), text_of(page, "my-outstanding")) == (pledge, outstanding)
    assert "WX-1" not in page.text and "ZFB-2" not in page.text


# --------------------------------------------------------------------------- receipts near 5 MB

MIB = 1024 * 1024


def _multipart(fields: dict[str, Any], receipt: bytes) -> tuple[bytes, str]:
    # encoded in memory: the test client would spool a big body to a file it never closes
    boundary, data = encode_multipart({**fields, "receipt": FileStorage(io.BytesIO(receipt), "invoice.pdf")})
    return data, f"multipart/form-data; boundary={boundary}"


EXPENSE = {"payee": "印刷厂", "category": "printing", "amount": "10.00", "description": ""}


def test_api_receipt_just_under_5_mib_is_accepted_and_just_over_is_413(client, db, locked_api):
    campaign, (a, *_rest), org = locked_api
    assert pay(client, campaign, org, a, "100.00").status_code == 201
    url = api(campaign.chamber, campaign, "/expenses")
    under = b"%PDF-" + b"0" * (5 * MIB - 100 - 5)
    data, ctype = _multipart(EXPENSE, under)
    r = client.post(url, data=data, content_type=ctype, headers=org)
    assert r.status_code == 201, r.text
    assert r.json["receipt"]["size"] == 5 * MIB - 100
    over = b"%PDF-" + b"0" * (5 * MIB + 1 - 5)
    data, ctype = _multipart(EXPENSE, over)
    r = client.post(url, data=data, content_type=ctype, headers=org)
    assert r.status_code == 413
    assert r.json["error"]["fields"]["receipt"] == r.json["error"]["message"]
    assert "5 MB" in r.json["error"]["message"]
    assert count_rows(db, Receipt, Receipt.chamber_id == campaign.chamber_id) == 1
    # other routes keep the app's 5 MiB request limit
    r = client.post(api(campaign.chamber, campaign, "/payments"), data=data, content_type=ctype, headers=org)
    assert r.status_code == 413


def test_page_receipt_just_under_5_mib_is_accepted_and_just_over_shows_a_message(client, db, login, locked_campaign):
    campaign, (a, *_rest) = locked_campaign(4)
    ops.record_payment(db, campaign, campaign.organizer, member_id=a.id, amount_minor=100_00, method="cash",
                       paid_on=dt.date(2026, 1, 2))
    db.commit()
    login(campaign.organizer)
    url = f"/chambers/{campaign.chamber.slug}/manage/campaigns/{campaign.slug}/expenses"
    data, ctype = _multipart(EXPENSE, b"%PDF-" + b"0" * (5 * MIB - 100 - 5))
    resp = client.post(url, data=data, content_type=ctype, headers=EN)
    assert resp.status_code == 302, text(resp)
    data, ctype = _multipart(EXPENSE, b"%PDF-" + b"0" * (5 * MIB + 1 - 5))
    resp = client.post(url, data=data, content_type=ctype, headers=EN)
    assert resp.status_code == 413
    errors = field_errors(resp, "receipt")
    assert errors and "at most 5 MB are allowed" in errors[0]
    assert 'name="payee"' in resp.get_data(as_text=True)  # the form, not the generic error page
    assert count_rows(db, Receipt, Receipt.chamber_id == campaign.chamber_id) == 1

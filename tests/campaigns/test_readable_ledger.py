"""Readable on a phone: signed ledger amounts (text, not colour alone), ledger filters, the member's share
before the downloads (pages and API)."""
from __future__ import annotations

import datetime as dt

from campaigns import operations as ops
from tests.helpers import text_of

NOW = dt.datetime(2030, 10, 1, 2, 0, tzinfo=dt.timezone.utc)


def _ledger(db, locked_campaign):
    campaign, (a, b) = locked_campaign(2)
    org = campaign.organizer
    pay = ops.record_payment(db, campaign, org, member_id=a.id, amount_minor=300_00, method="cash",
                             paid_on=dt.date(2030, 10, 1))
    ops.record_payment(db, campaign, org, member_id=b.id, amount_minor=100_00, method="alipay",
                       paid_on=dt.date(2030, 10, 1))
    ops.record_expense(db, campaign, org, payee="印刷厂", category="print", amount_minor=50_00)
    ops.reverse_entry(db, campaign, pay, org, reason="录错了")
    db.commit()
    return campaign, a, b, org


def test_ledger_amounts_are_signed_and_can_be_filtered(client, db, login, locked_campaign):
    campaign, _a, b, org = _ledger(db, locked_campaign)
    login(org)
    base = f"/chambers/{campaign.chamber.slug}/campaigns/{campaign.slug}/ledger"
    html = client.get(base).get_data(as_text=True)
    amounts = [text_of(part, "amount") for part in html.split('data-testid="entry"')[1:]]
    # newest first: the reversal of a payment takes money out, the expense too, the payments bring it in
    assert [x.split(" ")[0] for x in amounts] == ["−¥300.00", "−¥50.00", "+¥100.00", "+¥300.00", "¥500.00", "¥500.00"]
    assert all("(" in x or "（" in x for x in amounts[:4])  # said in words too, for screen readers
    only_b = client.get(base, query_string={"member": b.id}).get_data(as_text=True)
    assert only_b.count('data-testid="entry"') == 2  # b's pledge and payment
    payments = client.get(base, query_string={"kind": "payment"}).get_data(as_text=True)
    assert payments.count('data-testid="entry"') == 2 and 'data-type="expense"' not in payments
    # the balances stay those of the whole ledger
    assert text_of(only_b, "available") == text_of(html, "available") == "¥50.00"


def test_api_ledger_has_directions_and_filters(client, db, locked_campaign, token_for):
    campaign, a, _b, org = _ledger(db, locked_campaign)
    url = f"/api/v1/chambers/{campaign.chamber.slug}/campaigns/{campaign.slug}/ledger"
    items = client.get(url, headers=token_for(org)).json["items"]
    assert [(i["type"], i["direction"]) for i in items] == [
        ("pledge", None), ("pledge", None), ("payment", "in"), ("payment", "in"), ("expense", "out"), ("reversal", "out")]
    only_a = client.get(url, query_string={"member_id": a.id, "kind": "payment"}, headers=token_for(org)).json
    assert [i["amount"] for i in only_a["items"]] == ["300.00"] and only_a["balances"]["available"] == "50.00"


def test_own_share_comes_before_the_downloads(client, db, login, locked_campaign):
    campaign, a, _b, _org = _ledger(db, locked_campaign)
    login(a.user)
    html = client.get(f"/chambers/{campaign.chamber.slug}/campaigns/{campaign.slug}").get_data(as_text=True)
    assert 0 < html.index('data-testid="my-account"') < html.index('data-testid="downloads"')

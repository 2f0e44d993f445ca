"""Open books: a chamber setting makes each campaign's ledger public, payments by name or as totals."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any


def _funded(db: Any, live_campaign: Any) -> dict[str, Any]:
    from campaigns import operations as ops
    from tests.conftest import PNG_BYTES

    world = live_campaign()
    campaign, chamber = world["campaign"], world["chamber"]
    ops.transition_campaign(db, campaign, "locked", chamber.organizer)
    first, second = world["members"]
    ops.record_payment(db, campaign, chamber.organizer, member_id=first.id, amount_minor=500_00, method="wechat_pay",
                       reference="SECRET-REF-1", paid_on=dt.date.today())
    wrong = ops.record_payment(db, campaign, chamber.organizer, member_id=second.id, amount_minor=123_00,
                               method="cash", paid_on=dt.date.today())
    ops.reverse_entry(db, campaign, wrong, chamber.organizer, reason="记错了")
    ops.record_payment(db, campaign, chamber.organizer, member_id=second.id, amount_minor=200_00, method="cash",
                       paid_on=dt.date.today())
    ops.record_expense(db, campaign, chamber.organizer, payee="西湖印务", category="printing", amount_minor=300_00,
                       description="海报", receipt=PNG_BYTES)
    db.commit()
    return world


def test_ledger_is_not_public_unless_the_chamber_says_so(client: Any, db: Any, live_campaign: Any) -> None:
    world = _funded(db, live_campaign)
    url = f"/c/{world['chamber'].slug}/double11/ledger"
    assert client.get(url).status_code == 404
    page = client.get(f"/c/{world['chamber'].slug}/double11")
    assert page.status_code == 200 and "双十一联合促销" in page.text  # the campaign's page, without the link
    assert 'data-testid="ledger-link"' not in page.text


def test_open_books_by_name(client: Any, db: Any, live_campaign: Any) -> None:
    world = _funded(db, live_campaign)
    chamber = world["chamber"]
    chamber.public_ledger = "names"
    db.commit()
    assert 'data-testid="ledger-link"' in client.get(f"/c/{chamber.slug}/double11").text
    page = client.get(f"/c/{chamber.slug}/double11/ledger").text
    assert "西湖印务" in page and "¥300.00" in page
    assert world["members"][0].business_name in page and "¥500.00" in page
    assert "¥700.00" in page  # paid in: 500 + 200 (the reversed 123 is left out)
    assert "¥123.00" not in page
    assert "SECRET-REF-1" not in page  # payment references are not for the public


def test_open_books_with_payments_only_as_count_and_total(client: Any, db: Any, live_campaign: Any) -> None:
    world = _funded(db, live_campaign)
    chamber = world["chamber"]
    chamber.public_ledger = "totals"
    db.commit()
    page = client.get(f"/c/{chamber.slug}/double11/ledger").text
    assert "¥700.00" in page and "西湖印务" in page
    # the count of the payments no reversal cancelled, and their total: the balances' paid (net of reversals)
    assert re.search(r'data-testid="public-payments">\s*<h2>[^<]*</h2>\s*<p>2 笔缴费 · ¥700.00</p>', page)
    assert world["members"][0].business_name not in page
    assert 'data-testid="public-payment"' not in page

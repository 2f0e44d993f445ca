"""Issue 3: the ledger (GET .../ledger and the ledger page) reads a campaign of 1,000 participants and
5,000 entries in the same number of SQL queries as one of 10.

The members, their opt-ins and the payments, expenses and reversals are bulk-inserted
(session.execute(insert(Model), [rows])); the pledges come from the real lock.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import insert, select

from campaigns import operations as ops
from campaigns.models import LedgerEntry, Participation
from chamber.models import Member, Tier, User
from chamber.rules import make_uscc

NOW = dt.datetime(2030, 10, 1, 2, 0, tzinfo=dt.timezone.utc)  # as in tests/campaigns/conftest.py

PDF = b"%PDF-1.4\n% receipt\n%%EOF\n"


@pytest.fixture(autouse=True)
def english(client: Any) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def build_ledger(db: Any, create_chamber: Any, make_campaign: Any, n: int) -> tuple[Any, Any, int]:
    """A locked campaign of n participants with 5 entries each: its pledge, 3 payments and an expense
    (the first one with a receipt), n // 100 + 1 of the payments reversed. → (chamber, campaign, entries)."""
    chamber = create_chamber()
    campaign = make_campaign(chamber, status="open", budget_minor=n * 500_00)
    tier = db.scalar(select(Tier.id).where(Tier.chamber_id == chamber.id, Tier.key == "micro"))
    tag = chamber.slug
    user_ids = db.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
        {"email": f"{tag}-m{i}@example.com", "display_name": f"店主 {i}", "password_hash": "x"} for i in range(n)
    ]).all()
    member_ids = db.scalars(insert(Member).returning(Member.id, sort_by_parameter_order=True), [
        {"chamber_id": chamber.id, "user_id": uid, "business_name": f"商户 {i:04d}", "tier_id": tier,
         "uscc": make_uscc(f"91330106MA{chamber.id:03d}{i:04d}"), "contact_name": "联系人", "phone": "13800000000",
         "shop_url": "", "annual_revenue_minor": 100_000_00, "status": "approved"}
        for i, uid in enumerate(user_ids)
    ]).all()
    db.execute(insert(Participation), [
        {"chamber_id": chamber.id, "campaign_id": campaign.id, "member_id": mid, "offer_headline": "满200减30",
         "joined_at": NOW, "updated_at": NOW}
        for mid in member_ids
    ])
    ops.transition_campaign(db, campaign, "locked", chamber.organizer, now=NOW)  # one pledge each
    base = {"chamber_id": chamber.id, "campaign_id": campaign.id, "created_by_id": chamber.organizer.id}
    payments = db.scalars(insert(LedgerEntry).returning(LedgerEntry.id, sort_by_parameter_order=True), [
        {**base, "entry_type": "payment", "member_id": member_ids[k % n], "amount_minor": 10_00 + k % 7,
         "method": ("wechat_pay", "alipay", "bank_transfer", "cash")[k % 4], "reference": f"TX{k}",
         "paid_on": dt.date(2030, 10, 2), "created_at": NOW + dt.timedelta(minutes=k)}
        for k in range(3 * n)
    ]).all()
    ops.record_expense(db, campaign, chamber.organizer, payee="抖音广告", category="ads", amount_minor=5_00,
                       receipt=PDF, now=NOW)
    db.execute(insert(LedgerEntry), [
        {**base, "entry_type": "expense", "payee": f"供应商 {k}", "category": "ads", "amount_minor": 1_00,
         "created_at": NOW + dt.timedelta(hours=1, minutes=k)}
        for k in range(n - 1 - (n // 100 + 1))
    ])
    db.execute(insert(LedgerEntry), [
        {**base, "entry_type": "reversal", "member_id": member_ids[k % n], "amount_minor": 10_00 + k % 7,
         "reverses_id": payments[k], "reason": "录入错误", "created_at": NOW + dt.timedelta(hours=2, minutes=k)}
        for k in range(n // 100 + 1)
    ])
    db.commit()
    return chamber, campaign, 5 * n


def test_ledger_api_and_page_queries_are_the_same_for_10_and_1000_participants(
        app, client, db, create_chamber, make_campaign, token_for, login, count_queries):
    api_client = app.test_client()  # no login cookie: the API is read with the token alone
    api_queries, page_queries = {}, {}
    for n in (10, 1000):
        chamber, campaign, entries = build_ledger(db, create_chamber, make_campaign, n)
        api = f"/api/v1/chambers/{chamber.slug}/campaigns/{campaign.slug}/ledger"
        page = f"/chambers/{chamber.slug}/campaigns/{campaign.slug}/ledger"
        headers = token_for(chamber.organizer)

        with count_queries() as counted:
            resp = api_client.get(api, headers=headers)
        assert resp.status_code == 200
        api_queries[n] = counted()
        body = resp.json
        assert len(body["items"]) == entries  # the API returns every entry
        assert len(body["members"]) == n
        assert body["balances"]["pledged"] == f"{n * 500}.00"
        assert sum(1 for i in body["items"] if i["type"] == "reversal") == n // 100 + 1

        login(chamber.organizer)
        client.get(page)  # warm up (templates)
        with count_queries() as counted:
            resp = client.get(page)
        assert resp.status_code == 200
        page_queries[n] = counted()
        html = resp.get_data(as_text=True)
        # balances and the per-member table are over the whole ledger; the entries are a page, newest first
        assert html.count("<tr data-member=") == n
        assert f"¥{n * 500:,}.00" in html
        shown = [int(i) for i in re.findall(r'<tr id="entry-(\d+)"', html)]
        assert len(shown) == min(entries, 200) and shown == sorted(shown, reverse=True)
        assert shown[0] == max(i["id"] for i in body["items"])
    assert api_queries[10] == api_queries[1000], api_queries
    assert page_queries[10] == page_queries[1000], page_queries


def test_ledger_page_pages_through_every_entry(client, db, create_chamber, make_campaign, login):
    chamber, campaign, entries = build_ledger(db, create_chamber, make_campaign, 100)  # 500 entries: 3 pages
    login(chamber.organizer)
    url = f"/chambers/{chamber.slug}/campaigns/{campaign.slug}/ledger"
    seen: list[int] = []
    for page in (1, 2, 3):
        html = client.get(url, query_string={"page": page}).get_data(as_text=True)
        assert f"Page {page} of 3" in html
        assert ("data-testid=\"older-entries\"" in html) == (page < 3)
        seen += [int(i) for i in re.findall(r'<tr id="entry-(\d+)"', html)]
    all_ids = db.scalars(select(LedgerEntry.id).where(LedgerEntry.campaign_id == campaign.id)).all()
    assert seen == sorted(all_ids, reverse=True) and len(seen) == entries  # each entry once, newest first
    # out-of-range or nonsense pages show the nearest page, never an error
    last = client.get(url, query_string={"page": 99}).get_data(as_text=True)
    assert re.findall(r'<tr id="entry-(\d+)"', last) == [str(i) for i in seen[400:]]
    nonsense = client.get(url, query_string={"page": "x"}).get_data(as_text=True)
    assert "Page 1 of 3" in nonsense and re.findall(r'<tr id="entry-(\d+)"', nonsense) == [str(i) for i in seen[:200]]
    # a reversal on page 1 links to the payment it reverses on its own page
    first = client.get(url).get_data(as_text=True)
    target = int(re.search(r"Reverses <a href=\"[^\"]*#entry-(\d+)\"", first).group(1))
    href = re.search(r'Reverses <a href="([^"]*#entry-%d)"' % target, first).group(1).replace("&amp;", "&")
    assert f'id="entry-{target}"' not in first
    assert f'<tr id="entry-{target}"' in client.get(href).get_data(as_text=True)

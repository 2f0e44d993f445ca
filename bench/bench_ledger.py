"""Benchmark the campaign ledger (API GET .../ledger and the ledger page) at 1,000 participants and 5,000 entries.

Run: python bench/bench_ledger.py
Builds a fresh SQLite database in a temporary directory (Alembic migrations), a chamber with
1,000 approved members, a locked campaign with 1,000 pledges and 4,000 payments, expenses and
reversals (5,000 entries, each payment, expense and reversal at its own time), plus a small
campaign of 10 participants. Times 20 requests of each endpoint with the Flask test client (after
one warm-up) and counts the SQL statements per request. The API returns all 5,000 entries; the
page shows the balances and the per-member table (all 1,000 members) over the whole ledger and
its first page of entries (the 200 newest; the others are behind ?page=N), which is what is timed.
Prints its markdown table (endpoint | participants | entries | median ms | p95 ms | queries |
target | result) and exits non-zero if a p95 reaches 300 ms or if the query count differs
between 10 and 1,000 participants.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select

from campaigns import operations as ops
from campaigns import presenters, queries
from campaigns.models import LedgerEntry, Participation
from campaigns.rules import PAYMENT_METHODS
from chamber import create_app, freeze_startup_objects, migrate
from chamber.accounts.operations import create_token, hash_password
from chamber.chambers.operations import create_chamber
from chamber.db import utcnow
from chamber.models import Member, Tier, User
from chamber.rules import make_uscc

PARTICIPANTS = 1_000
SMALL = 10
REQUESTS = 20
TARGET_MS = 300.0
PASSWORD = "bench password 123"
CATEGORIES = ("广告投放", "印刷物料", "场地租赁", "直播推广", "奖品")


def build_campaign(session: Any, chamber: Any, organizer: User, members: list[Member], slug: str,
                   extra_entries: int) -> Any:
    """A locked campaign of these members with about extra_entries payments/expenses/reversals."""
    now = utcnow()
    campaign = ops.create_campaign(
        session, chamber, organizer, slug=slug, title="双十一联合促销 " + slug, festival="double11",
        description="", starts_at=now + dt.timedelta(days=20), ends_at=now + dt.timedelta(days=30),
        optin_deadline=now + dt.timedelta(days=10), budget_minor=len(members) * 500_00, method="tier",
        min_share_minor=None, max_share_pct=None, min_participants=None, min_pooled_minor=None,
    )
    ops.transition_campaign(session, campaign, "open", organizer, now=now)
    session.add_all([
        Participation(chamber_id=chamber.id, campaign_id=campaign.id, member_id=m.id, offer_headline="满200减30",
                      joined_at=now, updated_at=now)
        for m in members
    ])
    session.flush()
    ops.transition_campaign(session, campaign, "locked", organizer, now=now)  # 1 pledge per member
    base = {"chamber_id": chamber.id, "campaign_id": campaign.id, "created_by_id": organizer.id}

    def at(k: int) -> dt.datetime:  # every payment, expense and reversal has its own time, as in real use
        return now + dt.timedelta(seconds=37 * k + 1)

    # payments: 60% of the entries, spread over the members (≤ 100.00 each, shares are ≥ 500.00 on average)
    n_pay = extra_entries * 3 // 5
    payments = [
        LedgerEntry(entry_type="payment", member_id=members[i % len(members)].id, amount_minor=50_00 + i % 97,
                    method=PAYMENT_METHODS[i % len(PAYMENT_METHODS)], reference=f"TX{i:06d}", paid_on=now.date(),
                    created_at=at(i), **base)
        for i in range(n_pay)
    ]
    n_exp = extra_entries - n_pay - extra_entries // 50
    expenses = [
        LedgerEntry(entry_type="expense", payee=f"供应商 {i % 37}", category=CATEGORIES[i % 5],
                    amount_minor=10_00 + i % 50,
                    description="联合推广费用", created_at=at(n_pay + i), **base)
        for i in range(n_exp)
    ]
    session.add_all(payments + expenses)
    session.flush()
    reversals = [
        LedgerEntry(entry_type="reversal", member_id=e.member_id, amount_minor=e.amount_minor, reverses_id=e.id,
                    reason="录入错误", created_at=at(n_pay + n_exp + k), **base)
        for k, e in enumerate(payments[: extra_entries // 100] + expenses[: extra_entries // 100])
    ]
    session.add_all(reversals)
    session.flush()
    assert queries.balances(session, campaign).available >= 0
    return campaign


def nearest_rank(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        migrate.upgrade(url)
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tmp, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        engine = app.extensions["chamber.db"].engine
        with app.app_context():
            session = app.extensions["chamber.db"].sessionmaker()
            pw = hash_password(PASSWORD)
            organizer = User(email="organizer@example.com", display_name="组织者", password_hash=pw)
            session.add(organizer)
            session.flush()
            chamber = create_chamber(session, organizer, slug="bench", name="杭州电商商会", kind="regional",
                                     region="杭州", currency="CNY", timezone="Asia/Shanghai", description="")
            tiers = list(session.scalars(select(Tier).where(Tier.chamber_id == chamber.id)))
            users = [User(email=f"m{i}@example.com", display_name=f"商户主 {i}", password_hash=pw)
                     for i in range(PARTICIPANTS + SMALL)]
            session.add_all(users)
            session.flush()
            members = [
                Member(chamber_id=chamber.id, user_id=u.id, business_name=f"商户 {i:04d} 号店",
                       uscc=make_uscc(f"91330106MA{i:07d}"), contact_name="联系人", phone="13800000000",
                       annual_revenue_minor=100_000_00 + i, status="approved", tier_id=tiers[i % len(tiers)].id)
                for i, u in enumerate(users)
            ]
            session.add_all(members)
            session.flush()
            big = build_campaign(session, chamber, organizer, members[:PARTICIPANTS], "big", 4_000)
            small = build_campaign(session, chamber, organizer, members[PARTICIPANTS:], "small", 50)
            viewer = organizer.id  # the heaviest view: organizers also get every member's statement link
            _token, secret = create_token(session, session.get(User, viewer), "bench")
            entries = {c.slug: len(presenters.ledger_view(session, c)["items"]) for c in (big, small)}
            session.commit()
            viewer_email = session.get(User, viewer).email
            session.close()

        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda _c, _cur, stmt, *_a: statements.append(stmt))
        api = app.test_client()
        page = app.test_client()
        resp = page.post("/login", data={"email": viewer_email, "password": PASSWORD})
        assert resp.status_code == 302, resp.status_code
        endpoints = [("GET /api/v1/…/ledger", api, "/api/v1/chambers/bench/campaigns/{}/ledger",
                      {"Authorization": f"Bearer {secret}"})]
        if "campaigns.ledger" in app.view_functions:
            endpoints.append(("ledger page (page 1: 200 newest entries)", page,
                              "/chambers/bench/campaigns/{}/ledger", {}))
        else:
            print("no ledger page (campaigns.ledger) yet: timing the API only", file=sys.stderr)

        # as chamber.wsgi does before serving: start-up objects leave the collector's generations
        freeze_startup_objects()
        rows: list[list[Any]] = []
        failed = False
        for label, client, pattern, headers in endpoints:
            statement_counts: dict[str, int] = {}
            for slug, n in (("small", SMALL), ("big", PARTICIPANTS)):
                path = pattern.format(slug)
                warm = client.get(path, headers=headers)
                assert warm.status_code == 200, (path, warm.status_code, warm.text[:300])
                times = []
                for _ in range(REQUESTS):
                    statements.clear()
                    start = time.perf_counter()
                    resp = client.get(path, headers=headers)
                    body = resp.data
                    times.append((time.perf_counter() - start) * 1000)
                    assert resp.status_code == 200 and body
                statement_counts[slug] = len(statements)
                median, p95 = statistics.median(times), nearest_rank(times, 95)
                ok = p95 < TARGET_MS
                rows.append([label, n, entries[slug], f"{median:.1f}", f"{p95:.1f}", statement_counts[slug],
                             len(body) // 1024, ok])
                failed |= not ok
            same = statement_counts["small"] == statement_counts["big"]
            failed |= not same
            for row in rows[-2:]:
                row.append("same" if same else "DIFFERENT")

    print("| endpoint | participants | entries | median ms | p95 ms | queries | response KiB | queries 10 vs 1,000 "
          "| target | result |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |")
    for label, n, n_entries, median, p95, q, kib, ok, same in rows:
        result = "PASS" if ok and same == "same" else "FAIL"
        print(f"| {label} | {n:,} | {n_entries:,} | {median} | {p95} | {q} | {kib:,} | {same} "
              f"| p95 < {TARGET_MS:g} ms, constant queries | {result} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

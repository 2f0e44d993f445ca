"""Benchmark the pricing alliance: the tally of a proposal with 10,000 voters, the compliance report of
1,000 participants × 50 products.

Run: python bench/bench_alliance.py
Builds a fresh SQLite database in a temporary directory (Alembic migrations) with a chamber of
10,000 approved members in an open campaign, a proposal every one of them voted on, and 50
products that the first 1,000 participants each listed a price for (50,000 current listings, two
listings each in the history, an adopted band and a mark-up cap to check against). Each operation
is timed 15 times after a warm-up and counted in SQL statements; the baseline, timed in the same
run, is the plain fetch of the same rows (votes and weights; current listings) with no work on
them. Prints its markdown table and exits non-zero if the tally's p95 reaches 200 ms, the report's
p95 reaches 1 s, or the number of queries grows with the number of voters (100 vs 10,000).
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select

from campaigns import operations as campaign_ops
from campaigns.models import Participation
from chamber import create_app, freeze_startup_objects, migrate
from chamber.chambers.operations import create_chamber
from chamber.db import utcnow
from chamber.models import Member, Tier, User
from chamber.rules import make_uscc
from pricing_alliance import operations as ops
from pricing_alliance import queries
from pricing_alliance.models import PriceListing, PriceProposal, PriceVote

VOTERS = 10_000
SMALL = 100
LISTERS = 1_000
PRODUCTS = 50
RUNS = 15
CHOICES = ("approve", "approve", "reject", "abstain")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def build(session: Any, n_members: int, slug: str, listers: int, products: int) -> tuple[Any, Any]:
    """A chamber with n_members in an open campaign, a proposal all voted on, listings; (campaign, proposal)."""
    now = utcnow()
    organizer = User(email=f"org-{slug}@bench.example", display_name="Org", password_hash="x")
    session.add(organizer)
    session.flush()
    chamber = create_chamber(session, organizer, slug=slug, name=slug, kind="regional", region="杭州",
                             currency="CNY", timezone="Asia/Shanghai", description="")
    tiers = list(session.scalars(select(Tier).where(Tier.chamber_id == chamber.id)))
    first_user = (session.scalar(select(func.max(User.id))) or 0) + 1
    session.execute(insert(User), [{"email": f"m{i}-{slug}@bench.example", "display_name": f"M{i}",
                                    "password_hash": "x"} for i in range(n_members)])
    first_member = (session.scalar(select(func.max(Member.id))) or 0) + 1
    session.execute(insert(Member), [{
        "chamber_id": chamber.id, "user_id": first_user + i, "business_name": f"商户{i:05d}",
        "uscc": make_uscc(f"9133010{i % 10}MA{i:07d}"), "contact_name": "x", "phone": "13800000000",
        "annual_revenue_minor": 1, "status": "approved", "tier_id": tiers[i % len(tiers)].id, "shop_url": "",
        "reason": ""} for i in range(n_members)])
    member_ids = list(range(first_member, first_member + n_members))
    campaign = campaign_ops.create_campaign(
        session, chamber, organizer, slug="mid-autumn", title="中秋", festival="mid_autumn", description="",
        starts_at=now + dt.timedelta(days=20), ends_at=now + dt.timedelta(days=30),
        optin_deadline=now + dt.timedelta(days=10), budget_minor=1000_00, method="equal", min_share_minor=None,
        max_share_pct=None, min_participants=None, min_pooled_minor=None)
    campaign_ops.transition_campaign(session, campaign, "open", organizer, now=now)
    session.execute(insert(Participation), [{
        "chamber_id": chamber.id, "campaign_id": campaign.id, "member_id": m, "offer_headline": "九折",
        "offer_details": "", "joined_at": now, "updated_at": now} for m in member_ids])
    ops.update_settings(session, chamber, weighting="tier", quorum=Fraction(1, 2), threshold=Fraction(2, 3),
                        lookback_days=7, max_markup_pct=Decimal(40))
    catalogue = [ops.create_product(session, chamber, name=f"商品{p:02d}", unit="1件") for p in range(products)]
    proposal = ops.propose_price(session, campaign, organizer, catalogue[0], price_minor=100_00, floor_minor=95_00,
                                 ceiling_minor=105_00, closes_at=now + dt.timedelta(days=2))
    session.execute(insert(PriceVote), [{
        "chamber_id": chamber.id, "proposal_id": proposal.id, "member_id": m, "choice": CHOICES[i % 4],
        "cast_at": now, "updated_at": now} for i, m in enumerate(member_ids)])
    # every product adopted with a band, and a supplier price for half of them (the mark-up cap)
    for k, product in enumerate(catalogue):
        p = ops.propose_price(session, campaign, organizer, product, price_minor=100_00, floor_minor=95_00,
                              ceiling_minor=105_00, closes_at=now + dt.timedelta(days=2))
        p.status, p.closed_at = "adopted", now
        if k % 2 == 0:
            ops.set_supplier_price(session, campaign, product, unit_price_minor=75_00, tiers=[])
    rows = []
    for i, m in enumerate(member_ids[:listers]):
        for k, product in enumerate(catalogue):
            for age, price in ((5, 110_00), (1, 100_00 + ((i * 7 + k) % 13 - 6) * 100)):
                rows.append({"chamber_id": chamber.id, "campaign_id": campaign.id, "member_id": m,
                             "product_id": product.id, "price_minor": price, "listed_at": now - dt.timedelta(days=age)})
    if rows:
        session.execute(insert(PriceListing), rows)
    session.flush()
    return campaign, proposal


def measure(app: Any, call: Callable[[], Any]) -> tuple[list[float], int]:
    engine = app.extensions["chamber.db"].engine
    statements: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        statements.append(statement)

    call()  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return times, len(statements)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        migrate.upgrade(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tmp})
        database = app.extensions["chamber.db"]
        with app.app_context():
            with database.sessionmaker() as s, s.begin():
                big_campaign, big = build(s, VOTERS, "big", LISTERS, PRODUCTS)
                small_campaign, small = build(s, SMALL, "small", 0, 1)
                ids = (big_campaign.id, big.id, small_campaign.id, small.id)
            freeze_startup_objects()
            session = database.sessionmaker()
            from campaigns.models import Campaign

            big_c, big_p = session.get(Campaign, ids[0]), session.get(PriceProposal, ids[1])
            small_p = session.get(PriceProposal, ids[3])
            tally_times, tally_q = measure(app, lambda: queries.tally_proposal(session, big_p))
            _t, small_q = measure(app, lambda: queries.tally_proposal(session, small_p))
            base_tally, _q = measure(app, lambda: (
                session.execute(select(PriceVote.member_id, PriceVote.choice).where(
                    PriceVote.proposal_id == big_p.id)).all(),
                session.execute(select(Participation.member_id, Tier.weight)
                                .join(Member, Member.id == Participation.member_id)
                                .join(Tier, Tier.id == Member.tier_id)
                                .where(Participation.campaign_id == big_c.id)).all()))
            result = queries.tally_proposal(session, big_p)
            assert result.voters == VOTERS, result
            report_times, report_q = measure(app, lambda: queries.compliance_report(session, big_c))
            base_report, _q = measure(app, lambda: queries._current_listings(session, big_c))
            report = queries.compliance_report(session, big_c)
            assert len(report["rows"]) == LISTERS * PRODUCTS, len(report["rows"])
            session.close()
    ok = True
    print("| operation | size | median ms | p95 ms | baseline median ms | × baseline | queries | target | result |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    rows = [
        ("tally a proposal", f"{VOTERS:,} voters", tally_times, base_tally,
         f"{tally_q} (also {small_q} with {SMALL})", 200.0, tally_q == small_q),
        ("compliance report", f"{LISTERS:,} participants × {PRODUCTS} products", report_times, base_report,
         str(report_q), 1000.0, True),
    ]
    for name, size, times, base, query_count, target, constant in rows:
        med, worst, bmed = statistics.median(times), p95(times), statistics.median(base)
        good = worst < target and constant
        ok &= good
        print(f"| {name} | {size} | {med:.1f} | {worst:.1f} | {bmed:.1f} | {med / bmed:.1f} | {query_count} "
              f"| p95 < {target:,.0f} ms{', constant queries' if name.startswith('tally') else ''} "
              f"| {'met' if good else 'MISSED'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

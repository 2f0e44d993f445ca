"""Concurrent opt-ins, payments and expenses on PostgreSQL, each thread with its own session.

These run outside the rolled-back test connection: they make their own engine on DATABASE_URL,
their own chamber (unique slug; the ledger is append-only, so its rows stay), and dispose it.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from campaigns import operations as ops
from campaigns import queries
from campaigns.models import Campaign, Participation
from chamber.chambers.operations import create_chamber
from chamber.db import make_engine
from chamber.errors import Conflict
from chamber.models import Member, Tier, User
from chamber.rules import make_uscc

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
        reason="needs PostgreSQL: set DATABASE_URL=postgresql+psycopg://… (SQLite serialises writers anyway)",
    ),
]

THREADS = 8


@pytest.fixture
def world(app: Any) -> Any:
    """(Session factory, campaign id, member ids, organizer id) in a fresh chamber, committed."""
    engine = make_engine(os.environ["DATABASE_URL"], pool_size=THREADS + 2)
    Session = sessionmaker(engine, expire_on_commit=False)
    tag = uuid.uuid4().hex[:10]
    now = dt.datetime.now(dt.timezone.utc)
    with Session() as s, s.begin():
        org = User(email=f"org-{tag}@example.com", display_name="Org", password_hash="x")
        s.add(org)
        s.flush()
        chamber = create_chamber(s, org, slug=f"conc-{tag}", name="并发", kind="regional", region="杭州",
                                 currency="CNY", timezone="Asia/Shanghai", description="")
        tier = s.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "micro"))
        assert tier is not None
        members = []
        for i in range(THREADS):
            user = User(email=f"m{i}-{tag}@example.com", display_name=f"M{i}", password_hash="x")
            s.add(user)
            s.flush()
            member = Member(chamber_id=chamber.id, user_id=user.id, business_name=f"商户{i}",
                            uscc=make_uscc(f"91330106MA{i:07d}"), contact_name="x", phone="13800000000",
                            annual_revenue_minor=1, status="approved", tier_id=tier.id)
            s.add(member)
            members.append(member)
        campaign = ops.create_campaign(
            s, chamber, org, slug="d11", title="t", festival="double11", description="",
            starts_at=now + dt.timedelta(days=20), ends_at=now + dt.timedelta(days=30),
            optin_deadline=now + dt.timedelta(days=10), budget_minor=800_00, method="equal",
            min_share_minor=None, max_share_pct=None, min_participants=None, min_pooled_minor=None,
        )
        ops.transition_campaign(s, campaign, "open", org)
    ids = (campaign.id, [m.id for m in members], org.id)
    yield Session, *ids
    # leave the (append-only) rows inert: a cancelled campaign is never touched by the clock
    with Session() as s, s.begin():
        left = s.get(Campaign, ids[0])
        organizer = s.get(User, ids[2])
        assert left is not None and organizer is not None
        if left.status not in ("settled", "cancelled"):
            ops.transition_campaign(s, left, "cancelled", organizer, reason="test over")
    engine.dispose()


def run_together(fns: list[Callable[[], Any]]) -> list[Any]:
    """Run the functions in threads released at the same moment; results or exceptions."""
    barrier = threading.Barrier(len(fns))

    def call(fn: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return fn()
        except Exception as err:
            return err

    with ThreadPoolExecutor(len(fns)) as pool:
        return list(pool.map(call, fns))


def test_concurrent_opt_ins_payments_and_expenses(world: Any) -> None:
    Session, campaign_id, member_ids, org_id = world

    def opt_in(member_id: int) -> Callable[[], Any]:
        def fn() -> Any:
            with Session() as s, s.begin():
                ops.opt_in(s, s.get(Campaign, campaign_id), s.get(Member, member_id), offer_headline="x")
        return fn

    # every member at once, plus the first member twice more (opt-in-or-update must not collide)
    results = run_together([opt_in(m) for m in member_ids] + [opt_in(member_ids[0])] * 2)
    assert [r for r in results if r is not None] == []
    with Session() as s:
        assert s.scalar(select(func.count(Participation.id)).where(Participation.campaign_id == campaign_id)) == THREADS

    with Session() as s, s.begin():
        ops.transition_campaign(s, s.get(Campaign, campaign_id), "locked", s.get(User, org_id))

    def pay(member_id: int) -> Callable[[], Any]:
        def fn() -> Any:
            for _ in range(5):
                with Session() as s, s.begin():
                    ops.record_payment(s, s.get(Campaign, campaign_id), s.get(User, org_id), member_id=member_id,
                                       amount_minor=20_00, method="alipay", paid_on=dt.date.today())
        return fn

    assert [r for r in run_together([pay(m) for m in member_ids]) if r is not None] == []
    with Session() as s:
        b = queries.balances(s, s.get(Campaign, campaign_id))
        assert b.paid == THREADS * 5 * 20_00 == 800_00
        assert all(v == 100_00 for v in b.member_paid.values())

    def spend() -> Any:
        with Session() as s, s.begin():
            ops.record_expense(s, s.get(Campaign, campaign_id), s.get(User, org_id), payee="p", category="ads",
                               amount_minor=150_00)

    results = run_together([spend] * THREADS)
    assert sum(r is None for r in results) == 5  # 5 × 150.00 fit into 800.00; the rest are refused
    assert all(isinstance(r, Conflict) for r in results if r is not None)
    with Session() as s:
        b = queries.balances(s, s.get(Campaign, campaign_id))
        assert (b.paid, b.spent, b.available) == (800_00, 750_00, 50_00)

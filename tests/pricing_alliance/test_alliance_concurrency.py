"""Races between processes, on PostgreSQL and SQLite: one vote per member; a vote racing the close is
counted or refused (409), never lost.

Each worker is its own process with its own engine (spawned), working on a chamber committed for
the test outside the rolled-back test connection, and removed afterwards.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker

from campaigns import operations as campaign_ops
from chamber.chambers.operations import create_chamber
from chamber.db import make_engine
from chamber.models import Chamber, Member, Tier, User
from chamber.rules import make_uscc
from pricing_alliance import operations as ops
from pricing_alliance.models import PriceProposal, PriceVote
from tests.pricing_alliance import alliance_racing

MEMBERS = 3


@pytest.fixture
def race(app: Any) -> Any:
    """(url, Session, proposal id, member ids, closes_at): an open proposal in a fresh, committed chamber."""
    url = app.extensions["chamber.db"].url
    engine = make_engine(url)
    Session = sessionmaker(engine, expire_on_commit=False)
    tag = uuid.uuid4().hex[:10]
    now = dt.datetime.now(dt.timezone.utc)
    with Session() as s, s.begin():
        org = User(email=f"race-org-{tag}@example.com", display_name="Org", password_hash="x")
        s.add(org)
        s.flush()
        chamber = create_chamber(s, org, slug=f"race-{tag}", name="并发", kind="regional", region="杭州",
                                 currency="CNY", timezone="Asia/Shanghai", description="")
        tier = s.scalars(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "micro")).one()
        campaign = campaign_ops.create_campaign(
            s, chamber, org, slug="race", title="并发", festival="double11", description="",
            starts_at=now + dt.timedelta(days=20), ends_at=now + dt.timedelta(days=30),
            optin_deadline=now + dt.timedelta(days=10), budget_minor=1000_00, method="equal", min_share_minor=None,
            max_share_pct=None, min_participants=None, min_pooled_minor=None)
        campaign_ops.transition_campaign(s, campaign, "open", org)
        members = []
        for i in range(MEMBERS):
            user = User(email=f"race-m{i}-{tag}@example.com", display_name=f"M{i}", password_hash="x")
            s.add(user)
            s.flush()
            member = Member(chamber_id=chamber.id, user_id=user.id, business_name=f"商户{i}",
                            uscc=make_uscc(f"91330106MA{i:07d}"), contact_name="x", phone="13800000000",
                            annual_revenue_minor=1, status="approved", tier_id=tier.id)
            s.add(member)
            s.flush()
            campaign_ops.opt_in(s, campaign, member, offer_headline="九折")
            members.append(member.id)
        product = ops.create_product(s, chamber, name="明前龙井", unit="250g")
        closes = now + dt.timedelta(days=1)
        proposal = ops.propose_price(s, campaign, org, product, price_minor=268_00, floor_minor=None,
                                     ceiling_minor=None, closes_at=closes)
        chamber_id, proposal_id = chamber.id, proposal.id
    try:
        yield url, Session, proposal_id, members, closes
    finally:
        with Session() as s, s.begin():
            s.execute(delete(Chamber).where(Chamber.id == chamber_id))  # cascades to everything of it
        engine.dispose()


def _run(targets: list[tuple[Any, tuple[Any, ...]]]) -> list[Any]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(targets))
    results = ctx.Queue()
    procs = [ctx.Process(target=fn, args=(args[0], barrier, results, *args[1:])) for fn, args in targets]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def test_two_votes_of_one_member_at_once_leave_exactly_one(race):
    url, Session, proposal_id, members, closes = race
    member = members[0]
    now = closes - dt.timedelta(hours=2)
    choices = ["approve", "reject", "abstain"]
    results = _run([(alliance_racing.vote, (url, proposal_id, member, c, now)) for c in choices])
    statuses = [status for _m, _c, status in results]
    assert set(statuses) <= {200, 409} and 200 in statuses
    with Session() as s:
        rows = s.scalars(select(PriceVote).where(PriceVote.proposal_id == proposal_id)).all()
    assert len(rows) == 1 and rows[0].member_id == member
    # the vote that stands is one that was answered 200 (the last one of them to commit)
    assert rows[0].choice in {c for _m, c, status in results if status == 200}


def test_a_vote_racing_the_close_is_counted_or_refused(race):
    url, Session, proposal_id, members, closes = race
    vote_time = closes - dt.timedelta(seconds=1)  # each vote is in time; the close comes at the closing time
    targets = [(alliance_racing.vote, (url, proposal_id, m, "approve", vote_time)) for m in members]
    targets.append((alliance_racing.close, (url, proposal_id, closes)))
    results = _run(targets)
    closed = [r for r in results if r[0] == "close"]
    votes = [r for r in results if r[0] != "close"]
    assert closed[0][1] == 200
    assert {status for _m, _c, status in votes} <= {200, 409}
    accepted = {m for m, _c, status in votes if status == 200}
    with Session() as s:
        proposal = s.get(PriceProposal, proposal_id)
        rows = set(s.scalars(select(PriceVote.member_id).where(PriceVote.proposal_id == proposal_id)))
    # never lost: every vote answered 200 is in the frozen tally, every 409 left nothing
    assert rows == accepted
    assert proposal.status != "open" and proposal.voters == len(accepted)

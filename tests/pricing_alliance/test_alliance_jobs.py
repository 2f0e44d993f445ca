"""The scheduler closes proposals at their closing time and reminds non-voters 24 hours before."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from chamber.scheduler import build_scheduler
from pricing_alliance import operations as ops
from pricing_alliance.jobs import close_and_remind
from pricing_alliance.models import PriceProposal
from tests.helpers import told
from tests.pricing_alliance.alliance_world import alliance  # noqa: F401  (a fixture)


def test_the_scheduler_runs_the_job(app):
    ids = {job.id for job in build_scheduler(app, scheduler_cls=_Collect).get_jobs()}
    assert "pricing_alliance.jobs:close_and_remind" in ids


class _Collect:
    def __init__(self, **_kwargs):
        self.jobs = []

    def add_job(self, func, trigger, **kwargs):
        self.jobs.append(type("Job", (), {"id": kwargs["id"]}))

    def get_jobs(self):
        return self.jobs


def test_job_reminds_non_voters_once_then_closes_at_the_closing_time(app, alliance, db):
    w = alliance
    closes = w.now + dt.timedelta(days=3)
    proposal = ops.propose_price(db, w.campaign, w.organizer, w.tea, price_minor=268_00, floor_minor=None,
                                 ceiling_minor=None, closes_at=closes)
    for m in w.members[:2]:
        ops.cast_vote(db, proposal, m, "approve")
    db.commit()
    pid = proposal.id

    assert close_and_remind(app, now=closes - dt.timedelta(hours=25)) == {"closed": 0, "reminded": 0}
    assert close_and_remind(app, now=closes - dt.timedelta(hours=23)) == {"closed": 0, "reminded": 1}
    assert close_and_remind(app, now=closes - dt.timedelta(hours=1)) == {"closed": 0, "reminded": 0}  # once
    assert told(db, "pricing_alliance.vote_reminder", pid) == [w.members[2].user_id]
    assert db.get(PriceProposal, pid).status == "open"

    assert close_and_remind(app, now=closes) == {"closed": 1, "reminded": 0}
    db.expire_all()
    closed = db.get(PriceProposal, pid)
    assert closed.status == "adopted" and closed.closed_at == closes and closed.voters == 2
    assert told(db, "pricing_alliance.proposal_result", pid) == sorted(m.user_id for m in w.members)
    assert close_and_remind(app, now=closes + dt.timedelta(minutes=1)) == {"closed": 0, "reminded": 0}


def test_each_member_is_told_the_result_in_their_own_language(app, db, alliance):
    from chamber.notifications.models import InboxMessage

    w = alliance
    w.members[0].user.locale, w.members[1].user.locale = "en", "zh_CN"
    proposal = ops.propose_price(db, w.campaign, w.organizer, w.tea, price_minor=268_00, floor_minor=None,
                                 ceiling_minor=None, closes_at=w.now + dt.timedelta(days=1))
    for m in w.members:
        ops.cast_vote(db, proposal, m, "approve")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):  # the organizer closes it in Chinese
        ops.close_proposal(db, proposal, w.organizer)
    db.commit()
    body = {m.user_id: db.scalars(select(InboxMessage.body_text).where(
        InboxMessage.user_id == m.user_id, InboxMessage.kind == "pricing_alliance.proposal_result")).one()
        for m in w.members[:2]}
    assert "was adopted" in body[w.members[0].user_id] and "¥268.00" in body[w.members[0].user_id]
    assert "was adopted" not in body[w.members[1].user_id] and "¥268.00" in body[w.members[1].user_id]

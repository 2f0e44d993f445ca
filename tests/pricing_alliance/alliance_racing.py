"""Worker processes for the pricing alliance race tests (spawned: each its own interpreter and engine)."""
from __future__ import annotations

import datetime as dt
from typing import Any


def vote(url: str, barrier: Any, results: Any, proposal_id: int, member_id: int, choice: str,
         now: dt.datetime) -> None:
    """Cast one vote in its own process and transaction; put (member_id, choice, status) on results."""
    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.orm import sessionmaker

    from chamber.db import make_engine
    from chamber.errors import Conflict
    from chamber.models import Member
    from pricing_alliance import operations as ops
    from pricing_alliance.models import PriceProposal

    engine = make_engine(url)
    Session = sessionmaker(engine, expire_on_commit=False)
    status = 500
    try:
        barrier.wait(timeout=60)
        try:
            with Session() as s, s.begin():
                ops.cast_vote(s, s.get_one(PriceProposal, proposal_id), s.get_one(Member, member_id), choice, now=now)
            status = 200
        except Conflict:
            status = 409
        except (IntegrityError, OperationalError):  # the unique key refused a twin: the web answers 409
            status = 409
    finally:
        engine.dispose()
        results.put((member_id, choice, status))


def close(url: str, barrier: Any, results: Any, proposal_id: int, now: dt.datetime) -> None:
    """Close the proposal by the clock in its own process; put ("close", status, outcome) on results."""
    from sqlalchemy.orm import sessionmaker

    from chamber.db import make_engine
    from chamber.errors import Conflict
    from pricing_alliance import operations as ops
    from pricing_alliance.models import PriceProposal

    engine = make_engine(url)
    Session = sessionmaker(engine, expire_on_commit=False)
    outcome: Any = None
    status = 500
    try:
        barrier.wait(timeout=60)
        try:
            with Session() as s, s.begin():
                outcome = ops.close_proposal(s, s.get_one(PriceProposal, proposal_id), now=now).status
            status = 200
        except Conflict:
            status = 409
    finally:
        engine.dispose()
        results.put(("close", status, outcome))

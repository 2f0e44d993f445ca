"""Pricing alliance jobs for the scheduler. Jobs own their transaction, one per proposal."""
from __future__ import annotations

import datetime as dt

from flask import Flask, g

from chamber.db import utcnow
from chamber.errors import Conflict

from . import operations as ops
from . import queries
from .models import PriceProposal


def close_and_remind(app: Flask, now: dt.datetime | None = None) -> dict[str, int]:
    """Close the proposals whose closing time has come (even if nobody visits) and remind, once, the
    participants who have not voted on a proposal closing within 24 hours. One transaction per
    proposal, so one bad proposal cannot hold up the others. Returns {closed, reminded}."""
    now = now or utcnow()
    sessionmaker = app.extensions["chamber.db"].sessionmaker
    done = {"closed": 0, "reminded": 0}
    with app.app_context():
        # no request here: messages written by the clock are in the app's default language
        g.force_locale = app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")
        with sessionmaker() as session, session.begin():
            due = queries.due_proposal_ids(session, now)
            remind = queries.reminder_proposal_ids(session, now)
        for proposal_id in due:
            try:
                with sessionmaker() as session, session.begin():
                    proposal = session.get(PriceProposal, proposal_id)
                    if proposal is not None:
                        ops.close_proposal(session, proposal, now=now)
                        done["closed"] += 1
            except Conflict:  # closed by an organizer in the meantime
                pass
            except Exception:  # keep going with the others; the next run retries
                app.logger.exception("closing price proposal %s failed", proposal_id)
        for proposal_id in remind:
            try:
                with sessionmaker() as session, session.begin():
                    proposal = session.get(PriceProposal, proposal_id)
                    if proposal is not None:
                        done["reminded"] += ops.remind_non_voters(session, proposal, now)
            except Exception:
                app.logger.exception("reminding about price proposal %s failed", proposal_id)
    return done

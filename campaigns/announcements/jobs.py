"""The scheduler's announcement job: fire what is due, each in its own transaction.

The scheduler runs it every second (campaigns/feature.py). A run fires everything due, then, if
the next announcement is due before the next run, waits for it and fires it on time, so the delay
from the scheduled time to the first delivery row stays well under a second (bench/bench_announce.py).
Firing locks the announcement's row: two schedulers (or threads) racing fire it once.
"""
from __future__ import annotations

import datetime as dt
import time

from flask import Flask, g

from chamber.db import utcnow

from . import operations as ops
from . import rules

#: how far ahead a run waits for the next announcement (the job's interval)
LOOKAHEAD = dt.timedelta(seconds=1)


def misfire_grace(app: Flask) -> dt.timedelta:
    """How late a missed announcement may still go out (MISFIRE_GRACE_SECONDS, default one hour)."""
    seconds = app.config.get("MISFIRE_GRACE_SECONDS")
    return dt.timedelta(seconds=float(seconds)) if seconds is not None else rules.DEFAULT_GRACE


def fire_due_announcements(app: Flask, now: dt.datetime | None = None, *, wait: bool = True) -> dict[str, int]:
    """Fire every due announcement (misfired ones beyond the grace are marked missed); counts by outcome.

    With ``now`` given (tests), only what is due then is handled and nothing waits.
    """
    fixed = now is not None
    grace = misfire_grace(app)
    sessionmaker = app.extensions["chamber.db"].sessionmaker
    outcomes: dict[str, int] = {}
    with app.app_context():
        # no request here: texts written by the clock are in the chamber app's default language
        g.force_locale = app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")
        deadline = time.monotonic() + LOOKAHEAD.total_seconds()
        while True:
            moment = now if fixed and now is not None else utcnow()
            with sessionmaker() as session, session.begin():
                ids = ops.due_announcement_ids(session, moment)
            for announcement_id in ids:
                try:
                    with sessionmaker() as session, session.begin():
                        outcome = ops.fire_announcement(session, announcement_id, moment if fixed else utcnow(),
                                                        grace=grace)
                except Exception:  # keep going with the others; the next run retries
                    app.logger.exception("firing announcement %s failed", announcement_id)
                    outcome = "failed"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if len(ids) >= ops.BATCH and outcomes.get("failed", 0) < len(ids):
                continue  # more are due: the next batch at once
            if fixed or not wait:
                break
            with sessionmaker() as session, session.begin():
                upcoming = ops.next_due(session)
            left = deadline - time.monotonic()
            if upcoming is None or left <= 0:
                break
            pause = (upcoming - utcnow()).total_seconds()
            if pause > left:
                break
            time.sleep(max(0.0, pause))
        with sessionmaker() as session, session.begin():
            ops.finish_sending(session, now or utcnow())
    return outcomes

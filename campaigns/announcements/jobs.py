"""Sending announcements at their time, from the scheduler process (chamber/scheduler.py).

Each scheduled announcement has a scheduler task ("announcement:<id>", kept in step by
operations.sync_task): APScheduler's SQLAlchemy job store wakes up at its time and calls
`fire_task`; one missed by more than the grace while no scheduler ran gets `missed_task`.
`fire_due_announcements` runs every few seconds besides (campaigns/feature.py) and sends whatever
is due that no task sent (a task lost or not mirrored yet): the same firing, so it is a safety
net, never a second copy. Firing locks the announcement's row: two schedulers (or threads)
racing fire it once (bench/bench_announcements.py measures the delay).
"""
from __future__ import annotations

import datetime as dt
import time
from typing import Any

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


def _language(app: Flask) -> None:
    # no request here: texts written by the clock are in the chamber app's default language
    g.force_locale = app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")


def fire_task(app: Flask, key: str, payload: dict[str, Any]) -> str:
    """The scheduler task of one announcement (called at its time, in an app context)."""
    _language(app)
    with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
        return ops.fire_announcement(session, int(payload["announcement_id"]), utcnow(), grace=misfire_grace(app))


def missed_task(app: Flask, key: str, payload: dict[str, Any]) -> None:
    """The scheduler was down longer than the grace past the announcement's time: mark it missed."""
    _language(app)
    with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
        ops.mark_missed(session, int(payload["announcement_id"]), utcnow(), grace=misfire_grace(app))

"""Campaign jobs for the scheduler. Jobs own their transaction."""
from __future__ import annotations

import datetime as dt

from flask import Flask, g

from chamber.db import utcnow

from . import operations as ops
from . import queries
from .models import Campaign


def advance_campaigns(app: Flask, now: dt.datetime | None = None) -> int:
    """Lock campaigns at their opt-in deadline (or cancel them if they cannot go ahead), make them
    live at their start and end them at their end.  One transaction per campaign, so one bad
    campaign cannot hold up the others.  Returns how many campaigns moved."""
    now = now or utcnow()
    sessionmaker = app.extensions["chamber.db"].sessionmaker
    moved = 0
    with app.app_context():
        # no request here: reasons written by the clock are in the chamber app's default language
        g.force_locale = app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")
        with sessionmaker() as session, session.begin():
            ids = queries.due_campaign_ids(session, now)
        for campaign_id in ids:
            try:
                with sessionmaker() as session, session.begin():
                    campaign = session.get(Campaign, campaign_id)
                    if campaign is not None and ops.advance_due(session, campaign, now):
                        moved += 1
            except Exception:  # keep going with the other campaigns; the next run retries
                app.logger.exception("advancing campaign %s failed", campaign_id)
    return moved


def remind_optin_deadlines(app: Flask, now: dt.datetime | None = None) -> int:
    """Tell the members who have not joined an open campaign that its opt-in deadline is 24 hours away
    (once per campaign and deadline: the delivery's unique key). How many deliveries were new."""
    from . import notify
    from .queries import open_campaigns_due_for_reminder

    now = now or utcnow()
    sessionmaker = app.extensions["chamber.db"].sessionmaker
    made = 0
    with app.app_context():
        with sessionmaker() as session, session.begin():
            ids = open_campaigns_due_for_reminder(session, now, notify.REMIND_BEFORE)
        for campaign_id in ids:
            try:
                with sessionmaker() as session, session.begin():
                    campaign = session.get(Campaign, campaign_id)
                    if campaign is not None:
                        made += notify.deadline_soon(session, campaign, now)
            except Exception:  # keep going with the others; the next run retries
                app.logger.exception("reminding of campaign %s failed", campaign_id)
    return made

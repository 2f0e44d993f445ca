"""Background job: credit scores follow inputs that change outside trust (payments, listed prices)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from ..models import Chamber
from . import operations as ops


def recompute_credit_scores(app: Flask) -> int:
    """Recompute every chamber's scores; only changed scores add a history row."""
    changed = 0
    with app.app_context():
        with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
            chamber_ids = list(session.scalars(select(Chamber.id)))
        for chamber_id in chamber_ids:
            with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
                changed += ops.recompute_credit(session, chamber_id)
    return changed

"""Background jobs of the core. Jobs own their transaction: `with Session() as s, s.begin():`."""
from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import delete

from .db import utcnow
from .models import LoginAttempt

KEEP_ATTEMPTS = dt.timedelta(days=1)


def prune_login_attempts(app: Flask) -> int:
    """Forget login attempts older than a day; the lock-out looks at the last hour."""
    with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
        result = session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - KEEP_ATTEMPTS))
        return result.rowcount or 0

"""Scheduled-task functions for the scheduler tests (called as function(app, key, payload))."""
from __future__ import annotations

from typing import Any

from chamber.models import User
from chamber.notifications import operations as ops


def announce(app: Any, key: str, payload: dict[str, Any]) -> None:
    """Enqueue an inbox message and an email to each user of payload["users"] (what an announcement does)."""
    with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
        users = [session.get(User, uid) for uid in payload["users"]]
        for channel in ("inbox", "email"):
            ops.enqueue(session, chamber_id=payload["chamber_id"], source=key, channel=channel, recipients=users,
                        subject=payload.get("subject", "公告"), text="内容")


def missed(app: Any, key: str, payload: dict[str, Any]) -> None:
    """Record that key was missed, as an inbox message to payload["users"][0]."""
    with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
        ops.enqueue(session, chamber_id=payload["chamber_id"], source=f"missed:{key}", channel="inbox",
                    recipients=[session.get(User, payload["users"][0])], subject="missed", text=key)


def explode(app: Any, key: str, payload: dict[str, Any]) -> None:
    raise RuntimeError("boom")

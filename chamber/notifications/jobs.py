"""Jobs of the delivery service, for the scheduler process (they own their transactions)."""
from __future__ import annotations

from flask import Flask

from .sender import Sender


def send_pending(app: Flask) -> int:
    """Send every due email and webhook delivery (and inbox stragglers) until none is due; how many
    were handled. Safe to run in several processes at once: rows are claimed, never shared."""
    result = Sender(app).run_until_idle(float(app.config.get("DELIVERY_RUN_SECONDS", 50)))
    return result.total

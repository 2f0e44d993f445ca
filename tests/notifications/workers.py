"""Sender processes for the tests (spawned: each with its own app, engine and connections)."""
from __future__ import annotations

from typing import Any


def make_app(url: str, instance: str, **config: Any) -> Any:
    from chamber import create_app

    return create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "notify",
                       "WTF_CSRF_ENABLED": False, **config})


def send(url: str, instance: str, config: dict[str, Any], barrier: Any, results: Any) -> None:
    """Wait at the barrier, then send until nothing is due; put (sent, retried, failed) on results."""
    from chamber.notifications.sender import Sender

    app = make_app(url, instance, **config)
    sender = Sender(app)
    if barrier is not None:
        barrier.wait(60)
    result = sender.run_until_idle(120)
    results.put((result.sent, result.retried, result.failed))
    app.extensions["chamber.db"].engine.dispose()

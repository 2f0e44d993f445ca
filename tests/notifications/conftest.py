"""Real parts for the delivery tests: an SMTP server (aiosmtpd) and an HTTP server on 127.0.0.1,
and a database of their own for tests with several processes."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chamber.notifications import catcher
from tests.live import own_schema


@pytest.fixture
def smtp(app: Any) -> Iterator[catcher.CatcherHandler]:
    """A real SMTP server on 127.0.0.1; the app sends to it while the test runs."""
    controller, handler = catcher.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "DELIVERY_RETRY_SECONDS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, DELIVERY_RETRY_SECONDS=0)
    try:
        yield handler
    finally:
        controller.stop()
        app.config.update(saved)


@dataclass
class Hooked:
    """What the webhook server received; `status` is what it answers."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    url: str = ""


@pytest.fixture
def webhook_server() -> Iterator[Hooked]:
    hooked = Hooked()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hooked.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                    "json": json.loads(body)})
            self.send_response(hooked.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hooked.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield hooked
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def own_database(tmp_path: Any) -> Iterator[str]:
    """A migrated database of the test's own (a SQLite file, or a fresh schema of DATABASE_URL's
    PostgreSQL) for tests whose processes must see committed data."""
    from chamber import migrate

    with own_schema(tmp_path, "notify") as url:
        migrate.upgrade(url)
        yield url


"""The README's campaign walkthrough, replayed exactly as written: its shell commands run with bash and
curl against a live server on a fresh database with the demo chamber, request for request."""
from __future__ import annotations

import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from tests.live import keep_alive_handler, live_database
from tests.needs import missing

README = Path(__file__).resolve().parents[2] / "README.md"


def walkthrough_commands() -> str:
    """The sh block that follows "The same through the API" in the README."""
    text = README.read_text(encoding="utf-8")
    start = text.index("The same through the API")
    block = re.search(r"```sh\n(.*?)```", text[start:], re.S)
    assert block, "the README's API walkthrough has no sh block"
    return block.group(1)


@pytest.fixture
def fresh_server(tmp_path_factory):
    """A live server on a fresh database holding only the demo chamber; yields (base URL, request log)."""
    from werkzeug.serving import make_server

    from chamber import create_app, migrate
    from chamber.demo import load_demo

    databases = live_database(tmp_path_factory, "walk")
    url = next(databases)
    migrate.upgrade(url)
    from tests.conftest import GENEROUS_RATE_LIMITS

    app = create_app({"TESTING": True, "SECRET_KEY": "walkthrough", "DATABASE_URL": url,
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("walk-instance")),
                      "RATE_LIMITS": GENEROUS_RATE_LIMITS})  # one address makes every request here
    log: list[tuple[str, str, int]] = []

    @app.after_request
    def record(resp):
        from flask import request
        log.append((request.method, request.path, resp.status_code))
        return resp

    database = app.extensions["chamber.db"]
    with database.sessionmaker() as s, s.begin():
        assert load_demo(s)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=keep_alive_handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        database.engine.dispose()
        next(databases, None)


@pytest.fixture
def curl() -> None:
    """The walkthrough runs in bash with curl: skipped without them, failed in CI."""
    if not shutil.which("curl") or not shutil.which("bash"):
        missing("curl (or bash)", "apt-get install curl bash")


def test_readme_walkthrough_runs_as_written(curl, fresh_server, tmp_path):
    host, log = fresh_server
    commands = walkthrough_commands()
    assert "localhost:5000" in commands
    # the only change: the README's host is the test server's. A wrapper notes each curl call's URL
    # (and passes it on unchanged) so that the requests can be matched one by one.
    script = (
        "set -euo pipefail\n"
        'curl() { for a in "$@"; do case "$a" in http://*) echo "$a" >> curl-calls.txt;; esac; done; '
        'command curl "$@"; }\n'
        + commands.replace("localhost:5000", host)
    )
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr + run.stdout
    calls = (tmp_path / "curl-calls.txt").read_text().split()
    assert len(calls) == len(log) >= 14, (calls, log)
    for url, (method, path, status) in zip(calls, log, strict=True):
        assert url.split(host, 1)[1].split("?")[0] == path
        assert status < 400, f"{method} {path} answered {status}: {run.stdout}"
    # what the walkthrough promises: settled with the unspent remainder refunded, and the report
    assert ('POST', '/api/v1/chambers/xihu/campaigns/618-demo/transitions', 200) in log
    assert '"status":"settled"' in run.stdout.replace(" ", "")
    ledger = re.findall(r'"balances":\{[^}]*\}', run.stdout.replace(" ", ""))
    assert ledger and '"paid":"500.00"' in ledger[-1] and '"spent":"300.00"' in ledger[-1]
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")

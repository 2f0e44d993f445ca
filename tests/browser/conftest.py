"""Browser tests: Playwright for Python driving Debian's chromium against a live server.

The live server has its OWN database (not the rolled-back test database of tests/conftest.py):
a temporary SQLite file, or `<DATABASE_URL's database>_live` on PostgreSQL, created and dropped
here. It holds the demo chamber (slug "xihu"). CSRF stays on: the browser posts real forms.

Never `playwright install`: we use /usr/bin/chromium (apt-get install chromium).
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parent.parent / "_screenshots"
HERE = Path(__file__).resolve().parent

try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # pragma: no cover - depends on the machine
    _PLAYWRIGHT_MISSING = True
else:
    _PLAYWRIGHT_MISSING = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item; only the ones in this directory are browser tests.
    for item in items:
        if HERE not in Path(item.path).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        if not Path(CHROMIUM).exists():
            item.add_marker(pytest.mark.skip(reason="install Debian's chromium: apt-get install chromium"))
        elif _PLAYWRIGHT_MISSING:
            item.add_marker(pytest.mark.skip(reason="the playwright package is missing: pip install playwright"))


# --- the live server ---------------------------------------------------------------------

def _live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Yield the URL of a fresh database for the live server; drop it afterwards (PostgreSQL)."""
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_live"
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise RuntimeError(f"unexpected database name {name!r}")
    maintenance = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        maintenance.dispose()


def _keep_alive_handler() -> type:
    from werkzeug.serving import WSGIRequestHandler

    class KeepAlive(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: one connection per page, not one per request

    return KeepAlive


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (http://127.0.0.1:<port>) of the app with the demo chamber, served in a thread."""
    from werkzeug.serving import make_server

    from chamber import create_app, migrate
    from chamber.demo import load_demo

    databases = _live_database(tmp_path_factory)
    url = next(databases)
    migrate.upgrade(url)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("live-instance")),
    })
    database = app.extensions["chamber.db"]
    with database.sessionmaker() as s, s.begin():
        assert load_demo(s)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_keep_alive_handler())
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        database.engine.dispose()
        next(databases, None)  # drops the PostgreSQL database


# --- the browser -------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[Any]:
    """new_page(locale="zh-CN") → a page in a fresh phone-sized context (own cookies)."""
    contexts: list[Any] = []

    def make(locale: str = "zh-CN") -> Any:
        context = browser.new_context(viewport=PHONE, locale=locale, base_url=live_server,
                                      extra_http_headers={"Accept-Language": locale})
        context.set_default_timeout(5000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Any) -> Any:
    return new_page("zh-CN")


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """shot(page, "step"): save tests/_screenshots/<test>-<step>.png and check nothing overflows sideways."""
    SCREENSHOTS.mkdir(exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name)

    def take(page: Any, step: str) -> Path:
        path = SCREENSHOTS / f"{test}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone screen (see {path.name})"
        return path

    return take

"""Browser tests: Playwright for Python driving Debian's chromium against a live server.

The live server has its OWN database (not the rolled-back test database of tests/conftest.py):
a temporary SQLite file, or `<DATABASE_URL's database>_live` on PostgreSQL, created and dropped
here. It holds the demo chamber (slug "xihu"). CSRF stays on: the browser posts real forms.

Never `playwright install`: we use /usr/bin/chromium (apt-get install chromium).
Without chromium or Playwright these tests skip locally and fail in CI (tests/needs.py).
"""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import keep_alive_handler, live_database
from tests.needs import in_ci, missing

CHROMIUM = os.environ.get("CHAMBER_CHROMIUM", "/usr/bin/chromium")
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
    if in_ci():  # the test modules' importorskip would skip them quietly: fail the run here instead
        raise RuntimeError("CI must run the browser tests, but the playwright package is missing: "
                           "pip install playwright") from None
else:
    _PLAYWRIGHT_MISSING = False


def _missing_tool() -> tuple[str, str] | None:
    if not Path(CHROMIUM).exists():
        return "Debian's chromium", "apt-get install chromium"
    if _PLAYWRIGHT_MISSING:
        return "the playwright package", "pip install playwright"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees every collected item; only the ones in this directory are browser tests.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True, scope="session")
def _browser_tools() -> None:
    """Every browser test needs chromium and Playwright: skipped without them, failed in CI."""
    gap = _missing_tool()
    if gap is not None:
        missing(*gap)


# --- the live server ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (http://127.0.0.1:<port>) of the app with the demo chamber, served in a thread."""
    from werkzeug.serving import make_server

    from chamber import create_app, migrate
    from chamber.demo import load_demo
    from tests.conftest import GENEROUS_RATE_LIMITS

    databases = live_database(tmp_path_factory, "live")
    url = next(databases)
    migrate.upgrade(url)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test-secret",
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path_factory.mktemp("live-instance")),
        # every browser and API call comes from 127.0.0.1; the limits have their own tests
        "RATE_LIMITS": GENEROUS_RATE_LIMITS,
    })
    database = app.extensions["chamber.db"]
    with app.app_context(), database.sessionmaker() as s, s.begin():  # the demo's credit scores ask the features
        assert load_demo(s)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=keep_alive_handler())
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
    blocked: list[str] = []  # what the Content-Security-Policy refused: a page it breaks

    def make(locale: str = "zh-CN") -> Any:
        context = browser.new_context(viewport=PHONE, locale=locale, base_url=live_server,
                                      extra_http_headers={"Accept-Language": locale})
        context.set_default_timeout(5000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: blocked.append(f"{page.url}: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert blocked == [], "the Content-Security-Policy blocked something"


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


# --- setting up campaigns through the API -------------------------------------------------

class LiveApi:
    """The live server's JSON API with the demo accounts, to put campaigns in a state before a page is tested."""

    def __init__(self, base: str) -> None:
        self.base = base + "/api/v1"
        self.tokens: dict[str, str] = {}

    def call(self, method: str, path: str, body: Any = None, *, email: str = "organizer@xihu.example") -> Any:
        import json
        import urllib.error
        import urllib.request

        from chamber.demo import DEMO_PASSWORD

        if email and email not in self.tokens:
            self.tokens[email] = self.call("POST", "/auth/tokens", {"email": email, "password": DEMO_PASSWORD},
                                           email="")["token"]
        headers = {"Content-Type": "application/json"}
        if email:
            headers["Authorization"] = "Bearer " + self.tokens[email]
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:  # pragma: no cover - shows why the setup failed
            raise AssertionError(f"{method} {path} → {err.code}: {err.read().decode()}") from None
        return json.loads(raw) if raw else None

    def campaign(self, slug: str, status: str, *, members: int = 3, title: str = "双十二联合促销",
                 payments: tuple[str, ...] = ("300.00", "100.00"), spend: str | None = "200.00") -> str:
        """A campaign on the demo chamber moved to ``status`` (open … ended), members opted in, some paid."""
        import datetime as dt

        day = dt.date.today()
        c = "/chambers/xihu/campaigns"
        self.call("POST", c, {
            "slug": slug, "title": title, "festival": "double12", "description": "全商圈满减，联合投放。",
            "optin_deadline": f"{day + dt.timedelta(days=10)}T20:00", "starts_at": f"{day + dt.timedelta(days=20)}T00:00",
            "ends_at": f"{day + dt.timedelta(days=30)}T00:00", "budget": "1200.00",
            "apportionment": {"method": "equal"},
        })
        if status == "draft":
            return slug
        self.call("POST", f"{c}/{slug}/transitions", {"to": "open"})
        emails = ["member@xihu.example"] + [f"merchant{n:02d}@xihu.example" for n in range(2, members + 1)]
        for email in emails:
            self.call("PUT", f"{c}/{slug}/participation", {"offer_headline": "满200减30", "offer_details": "全店通用"},
                      email=email)
        if status == "open":
            return slug
        self.call("POST", f"{c}/{slug}/transitions", {"to": "locked"})
        shares = self.call("GET", f"{c}/{slug}/shares")["items"]
        for share, amount in zip(shares, payments, strict=False):  # the first members pay
            self.call("POST", f"{c}/{slug}/payments", {"member_id": share["member_id"], "amount": amount,
                                                      "method": "wechat_pay", "reference": "WX-" + slug,
                                                      "paid_on": day.isoformat()})
        if spend:
            self.call("POST", f"{c}/{slug}/expenses", {"payee": "印刷厂", "category": "printing", "amount": spend,
                                                      "description": "海报"})
        order = ("locked", "live", "ended", "settled")
        for to in order[1:order.index(status) + 1]:
            self.call("POST", f"{c}/{slug}/transitions", {"to": to})
        return slug


@pytest.fixture
def live_api(live_server: str) -> LiveApi:
    return LiveApi(live_server)

"""Public campaign page (500 merchants) under gunicorn -w 2 -k sync vs a hello-world view.

Records the requests/s ratio (target ≥ 0.5).

Both apps run under the same gunicorn configuration (`make run`'s: 2 sync workers); wrk, from
another process, loads them in turn, alternating, three rounds each, and the medians are compared.
The campaign page is answered as a visitor's phone gets it (Accept-Language, Accept-Encoding:
gzip, no session cookie): by the front cache (chamber/caching.py FrontCache), which keeps the
whole answer per URL × language × encoding for the chamber's content version and checks that
version with one indexed read per request; before each run a conditional request must get a 304.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MERCHANTS = 500
ROUNDS = 3
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
TARGET = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_world(url: str) -> str:
    """A chamber with a live campaign of MERCHANTS participants; returns the page path."""
    from sqlalchemy import select

    from campaigns import operations as ops
    from campaigns.models import Participation
    from chamber import create_app, migrate
    from chamber.chambers.operations import create_chamber
    from chamber.models import Member, Tier, User
    from chamber.rules import make_uscc
    from chamber.trust import operations as trust_ops

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tempfile.mkdtemp()})
    with app.app_context(), app.extensions["chamber.db"].sessionmaker() as s, s.begin():
        user = User(email="bench@example.com", display_name="Bench", password_hash="x")
        s.add(user)
        s.flush()
        chamber = create_chamber(
            s,
            user,
            slug="bench",
            name="压测商会",
            kind="regional",
            region="杭州",
            currency="CNY",
            timezone="Asia/Shanghai",
            description="",
        )
        tier = s.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "micro"))
        members = [
            Member(
                chamber_id=chamber.id,
                user_id=user.id,
                business_name=f"商户 {i:03d}",
                uscc=make_uscc(f"91330106MC{i:07d}"),
                contact_name="x",
                phone="1",
                shop_url=f"https://shop.example.cn/{i}",
                wechat_id=f"shop{i:03d}",
                annual_revenue_minor=100,
                status="approved",
                tier_id=tier.id,
            )
            for i in range(MERCHANTS)
        ]
        s.add_all(members)
        s.flush()
        now = dt.datetime.now(dt.timezone.utc)
        campaign = ops.create_campaign(
            s,
            chamber,
            user,
            slug="double11",
            title="双十一联合促销",
            festival="double11",
            description="压测",
            starts_at=now + dt.timedelta(days=20),
            ends_at=now + dt.timedelta(days=30),
            optin_deadline=now + dt.timedelta(days=10),
            budget_minor=100_000_00,
            method="equal",
            min_share_minor=None,
            max_share_pct=None,
            min_participants=None,
            min_pooled_minor=None,
        )
        ops.transition_campaign(s, campaign, "open", user)
        s.add_all(
            [
                Participation(
                    chamber_id=chamber.id,
                    campaign_id=campaign.id,
                    member_id=m.id,
                    offer_headline="满200减30",
                    offer_details="全店通用",
                )
                for m in members
            ]
        )
        s.flush()
        trust_ops.recompute_credit(s, chamber.id)
    app.extensions["chamber.db"].engine.dispose()
    return "/c/bench/double11"


def serve(module: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = subprocess.Popen(
        [
            gunicorn,
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            module,
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except OSError as err:
            if getattr(err, "code", None):  # an HTTP error answer: it is up
                return proc
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{module} did not start")


def wrk(url: str) -> float:
    out = subprocess.run(
        # the headers a phone's browser sends: its language, and that it takes gzip
        ["wrk", "-t2", "-c8", f"-d{SECONDS}s", "-H", "Accept-Language: zh-CN", "-H", "Accept-Encoding: gzip", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if found is None or non2xx:
        raise SystemExit(f"wrk failed on {url}:\n{out}")
    return float(found.group(1))


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 1
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp / 'bench.sqlite'}"
    path = build_world(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CHAMBER_INSTANCE": str(tmp),
        "SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
    }
    page_port, hello_port = free_port(), free_port()
    procs = [serve("chamber.wsgi:app", page_port, env), serve("bench.hello_app:app", hello_port, env)]
    try:
        page_url, hello_url = f"http://127.0.0.1:{page_port}{path}", f"http://127.0.0.1:{hello_port}/"
        first = urllib.request.urlopen(page_url, timeout=30)
        body, etag = first.read(), first.headers["ETag"]
        assert b"\xe5\x95\x86\xe6\x88\xb7 499" in body, "the page lists all 500 merchants"
        conditional = urllib.request.Request(page_url, headers={"If-None-Match": etag})
        try:
            urllib.request.urlopen(conditional, timeout=30)
            raise SystemExit("a conditional request did not get 304")
        except urllib.error.HTTPError as err:
            assert err.code == 304, err.code
        phone = {"Accept-Language": "zh-CN", "Accept-Encoding": "gzip"}
        packed = urllib.request.urlopen(urllib.request.Request(page_url, headers=phone), timeout=30)
        assert packed.headers["Content-Encoding"] == "gzip"
        gz_kib = len(packed.read()) // 1024
        again = urllib.request.Request(page_url, headers={**phone, "If-None-Match": packed.headers["ETag"]})
        try:
            urllib.request.urlopen(again, timeout=30)
            raise SystemExit("a conditional request (gzip) did not get 304")
        except urllib.error.HTTPError as err:
            assert err.code == 304, err.code
        pages, hellos = [], []
        for _ in range(ROUNDS):  # alternating, so both see the same machine load
            hellos.append(wrk(hello_url))
            pages.append(wrk(page_url))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
    page, hello = statistics.median(pages), statistics.median(hellos)
    ratio = page / hello
    print("| measurement | requests/s (median of 3) | rounds |")
    print("| --- | ---: | --- |")
    print(f"| hello-world Flask view | {hello:,.0f} | {', '.join(f'{x:,.0f}' for x in hellos)} |")
    print(
        f"| campaign page, {MERCHANTS} merchants ({len(body) // 1024} KiB, gzip {gz_kib} KiB) | {page:,.0f} | "
        f"{', '.join(f'{x:,.0f}' for x in pages)} |"
    )
    print(f"| **ratio** (target ≥ {TARGET}) | **{ratio:.2f}** | |")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    import urllib.error

    raise SystemExit(main())

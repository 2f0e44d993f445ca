"""One announcement to 10,000 email subscribers through the local SMTP server (aiosmtpd): messages per second (≥ 200/s).

Run: python bench/bench_announcement_mail.py

As `make run` has it: the mail catcher (`flask --app chamber mail-catcher`, aiosmtpd, writing each
message to a file) in a process of its own, a fresh SQLite database with SUBSCRIBERS confirmed
subscribers, one announcement to them by email fired the way the scheduler fires it (the outbox
rows written in one transaction), then sender processes (chamber.notifications.sender.Sender, what
the scheduler's send job and `flask --app chamber send-pending` run) until every row is sent.
Rows: 1 sender (the scheduler's alone) and 2 senders (one extra `send-pending --loop`; the
machine has 2 cores). Messages/s counts from the senders' start to the last row marked sent; the
catcher's files are counted too (every message arrived once). Exits non-zero below 200/s with
one sender.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "10000"))
TARGET = 200.0
UTC = dt.timezone.utc


def _config(url: str, workdir: str, port: int) -> dict[str, Any]:
    return {"DATABASE_URL": url, "INSTANCE_PATH": workdir, "SECRET_KEY": "bench", "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port, "MAIL_TLS": "none", "DELIVERY_BATCH": 200}


def _send(config: dict[str, Any], start: Any, results: Any) -> None:
    from chamber import create_app
    from chamber.notifications.sender import Sender

    app = create_app(config)
    sender = Sender(app)
    start.wait(60)
    result = sender.run_until_idle(900)
    results.put((result.sent, result.failed, result.retried))
    app.extensions["chamber.db"].engine.dispose()


def run(senders: int) -> tuple[int, int, float, int]:
    """(messages sent, files the catcher wrote, seconds, failed) for one announcement with `senders` senders."""
    from sqlalchemy import func, insert, select

    from campaigns.announcements import operations as ops
    from chamber import create_app, migrate
    from chamber.accounts.operations import hash_password
    from chamber.chambers.operations import create_chamber
    from chamber.models import Chamber, User
    from chamber.notifications.catcher import free_port
    from chamber.notifications.models import Delivery, Subscriber

    workdir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    port = free_port()
    migrate.upgrade(url)
    config = _config(url, str(workdir), port)
    app = create_app(config)
    Session = app.extensions["chamber.db"].sessionmaker
    env = {**os.environ, "DATABASE_URL": url, "CHAMBER_INSTANCE": str(workdir), "SECRET_KEY": "bench"}
    catcher = subprocess.Popen([sys.executable, "-m", "flask", "--app", "chamber", "mail-catcher", "--port", str(port)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        with app.app_context(), Session() as s, s.begin():
            org = User(email="org@bench.example", display_name="组织者", password_hash=hash_password("bench pass 1"))
            s.add(org)
            s.flush()
            chamber = create_chamber(s, org, slug="bench", name="基准商会", kind="regional", region="杭州",
                                     currency="CNY", timezone="Asia/Shanghai", description="")
            now = dt.datetime.now(UTC)
            s.execute(insert(Subscriber), [
                {"chamber_id": chamber.id, "campaign_id": 0, "email": f"fan{i:05d}@example.cn", "language": "zh_CN",
                 "status": "confirmed", "unsubscribe_hash": hashlib.sha256(f"u{i}".encode()).hexdigest(),
                 "confirmed_at": now, "created_at": now}
                for i in range(SUBSCRIBERS)])
            chamber_id, org_id = chamber.id, org.id
        with app.app_context(), Session() as s, s.begin():
            at = dt.datetime.now(UTC) + dt.timedelta(seconds=1)
            a = ops.create_announcement(s, s.get(Chamber, chamber_id), s.get(User, org_id), ops.Draft(
                title="双十一西湖好物节开始啦", body="**满200减30**，[活动页](https://example.cn/d11)",
                audience=["subscribers"], channels=["email"], send_at=at))
            a_id = a.id
        with app.app_context(), Session() as s, s.begin():
            assert ops.fire_announcement(s, a_id, at) == "fired"
        with Session() as s:
            queued = s.scalar(select(func.count()).select_from(Delivery).where(Delivery.channel == "email"))
        assert queued == SUBSCRIBERS, queued
        _wait_for_port(port)
        ctx = mp.get_context("spawn")
        start, results = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_send, args=(config, start, results)) for _ in range(senders)]
        for p in procs:
            p.start()
        time.sleep(3)  # the senders import and start their apps
        began, began_at = time.perf_counter(), dt.datetime.now(UTC)
        start.set()
        got = [results.get(timeout=900) for _ in procs]
        for p in procs:
            p.join(60)
        with Session() as s:
            last = s.scalar(select(func.max(Delivery.sent_at)))
            sent = s.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "sent")) or 0
        seconds = time.perf_counter() - began
        if last is not None:  # from the start to the last row marked sent (not the processes' exit)
            seconds = min(seconds, ((last if last.tzinfo else last.replace(tzinfo=UTC)) - began_at).total_seconds())
        deadline = time.monotonic() + 30
        files = 0
        while time.monotonic() < deadline:
            files = len(list((workdir / "mail").glob("*.eml"))) if (workdir / "mail").exists() else 0
            if files >= sent:
                break
            time.sleep(0.2)
        failed = sum(g[1] for g in got)
        return sent, files, seconds, failed
    finally:
        os.killpg(catcher.pid, signal.SIGTERM)
        try:
            catcher.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(catcher.pid, signal.SIGKILL)
        app.extensions["chamber.db"].engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the mail catcher did not start")


def main() -> int:
    rows = []
    verdict = "PASS"
    for senders in (1, 2):
        sent, files, seconds, failed = run(senders)
        rate = sent / seconds if seconds > 0 else 0.0
        ok = sent == SUBSCRIBERS and files == SUBSCRIBERS and failed == 0 and (senders > 1 or rate >= TARGET)
        if not ok:
            verdict = "FAIL"
        rows.append(f"| {SUBSCRIBERS} | {senders} | {sent} | {files} | {seconds:.1f} | {rate:.0f} | ≥ {TARGET:g}/s "
                    f"| {'PASS' if ok else 'FAIL'} |")
    print("| subscribers | senders | sent | received by the SMTP server | seconds | messages/s | target | result |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    print("\n".join(rows))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())

"""Announcements: firing delay of scheduled announcements (scheduled time → first delivery row), p50 and p99 < 1 s.

Run: python bench/bench_announcements.py

The real scheduler process (`flask --app chamber run-scheduler`, as `make run` starts it: leader
lock, each announcement's task in APScheduler's SQLAlchemy job store) runs on a fresh SQLite
database of its own; once it has fired a warm-up announcement, ANNOUNCEMENTS
announcements are scheduled a few seconds ahead, spread over SPREAD seconds (so they fall at any
point of the scheduler's cycle), each to the chamber's MEMBERS members by inbox and email. The delay
of one is the first of its delivery rows' `created_at` minus its `scheduled_for`. Prints the
markdown table (for bench/run.py) and exits non-zero if p50 or p99 is 1 s or more.
"""
from __future__ import annotations

import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANNOUNCEMENTS = int(os.environ.get("BENCH_ANNOUNCEMENTS", "60"))
SPREAD = float(os.environ.get("BENCH_SPREAD", "30"))
MEMBERS = 20
TARGET_S = 1.0
UTC = dt.timezone.utc


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    from sqlalchemy import func, select

    from campaigns.announcements import operations as ops
    from campaigns.announcements.models import Announcement
    from chamber import create_app, migrate
    from chamber.accounts.operations import hash_password
    from chamber.chambers.operations import create_chamber
    from chamber.models import Chamber, Member, Tier, User
    from chamber.notifications.models import Delivery
    from chamber.rules import make_uscc

    workdir = Path(tempfile.mkdtemp(prefix="bench-announce-"))
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(workdir), "SECRET_KEY": "bench"})
    Session = app.extensions["chamber.db"].sessionmaker
    password = hash_password("bench password 1")
    with app.app_context(), Session() as s, s.begin():
        org = User(email="org@bench.example", display_name="组织者", password_hash=password)
        s.add(org)
        s.flush()
        chamber = create_chamber(s, org, slug="bench", name="基准商会", kind="regional", region="杭州",
                                 currency="CNY", timezone="Asia/Shanghai", description="")
        tier = s.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "micro"))
        for i in range(MEMBERS):
            user = User(email=f"m{i}@bench.example", display_name=f"商户{i}", password_hash=password)
            s.add(user)
            s.flush()
            s.add(Member(chamber_id=chamber.id, user_id=user.id, business_name=f"商户{i}",
                         uscc=make_uscc(f"91330106MA{i:07d}"), contact_name="联系人", phone="13800000000",
                         annual_revenue_minor=100_00, status="approved", tier_id=tier.id))
        chamber_id, org_id = chamber.id, org.id

    def schedule(times: list[dt.datetime]) -> list[int]:
        ids = []
        with app.app_context(), Session() as s, s.begin():
            chamber, org = s.get(Chamber, chamber_id), s.get(User, org_id)
            for at in times:
                ids.append(ops.create_announcement(s, chamber, org, ops.Draft(
                    title=f"公告 {uuid.uuid4().hex[:6]}", body="**开始了**", audience=["members"],
                    channels=["inbox", "email"], send_at=at)).id)
        return ids

    def first_rows(ids: list[int]) -> dict[int, dt.datetime]:
        with Session() as s:
            rows = s.execute(select(Delivery.source, func.min(Delivery.created_at)).where(
                Delivery.source.in_([ops.source_of(i, 1) for i in ids])).group_by(Delivery.source)).all()
        out = {}
        for source, created in rows:
            created = created if created.tzinfo else created.replace(tzinfo=UTC)
            out[int(source.split(":")[1])] = created
        return out

    env = {**os.environ, "DATABASE_URL": url, "CHAMBER_INSTANCE": str(workdir), "SECRET_KEY": "bench"}
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "chamber", "run-scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        warm = schedule([dt.datetime.now(UTC) + dt.timedelta(seconds=1)])
        deadline = time.monotonic() + 60
        while not first_rows(warm):
            if time.monotonic() > deadline or proc.poll() is not None:
                print("the scheduler did not fire the warm-up announcement", file=sys.stderr)
                return 2
            time.sleep(0.2)
        start = dt.datetime.now(UTC) + dt.timedelta(seconds=3)
        times = [start + dt.timedelta(seconds=SPREAD * i / ANNOUNCEMENTS) for i in range(ANNOUNCEMENTS)]
        ids = schedule(times)
        deadline = time.monotonic() + SPREAD + 60
        while len(first_rows(ids)) < len(ids) and time.monotonic() < deadline:
            time.sleep(0.5)
        fired = first_rows(ids)
        with Session() as s:
            due = dict(s.execute(select(Announcement.id, Announcement.scheduled_for).where(
                Announcement.id.in_(ids))).all())
            per_announcement = s.scalar(select(func.count()).select_from(Delivery).where(
                Delivery.source == ops.source_of(ids[0], 1)))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        app.extensions["chamber.db"].engine.dispose()
    if len(fired) < len(ids):
        print(f"only {len(fired)} of {len(ids)} announcements fired", file=sys.stderr)
        return 2
    delays = [(fired[i] - due[i]).total_seconds() for i in ids]
    p50, p99 = percentile(delays, 0.50), percentile(delays, 0.99)
    verdict = "PASS" if p50 < TARGET_S and p99 < TARGET_S and min(delays) >= 0 else "FAIL"
    print("| announcements | deliveries each | p50 delay s | p99 delay s | max s | mean s | target | result |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    print(f"| {len(ids)} | {per_announcement} | {p50:.3f} | {p99:.3f} | {max(delays):.3f} | "
          f"{statistics.mean(delays):.3f} | p50, p99 < {TARGET_S:g} s | {verdict} |")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())

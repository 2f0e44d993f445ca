"""The scheduler process for real: scheduled tasks fire on time, survive restarts, are marked missed
beyond the grace; two schedulers started together → exactly one active, the other takes over."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from chamber import scheduler as scheduler_mod
from chamber.chambers.operations import create_chamber
from chamber.models import User
from chamber.notifications import operations as ops
from chamber.notifications.models import Delivery, InboxMessage, ScheduledTask
from tests.conftest import _PASSWORD_HASH
from tests.notifications.workers import make_app

ROOT = Path(__file__).resolve().parents[2]


def _world(app: Any, n_users: int = 3) -> tuple[int, list[int]]:
    with app.app_context(), app.extensions["chamber.db"].sessionmaker() as s, s.begin():
        organizer = User(email="org@sched.example", display_name="组织者", password_hash=_PASSWORD_HASH)
        s.add(organizer)
        s.flush()
        chamber = create_chamber(s, organizer, slug="sched", name="定时商会", kind="regional", region="杭州",
                                 currency="CNY", timezone="Asia/Shanghai", description="")
        users = [User(email=f"u{i}@sched.example", display_name=f"用户{i}", password_hash=_PASSWORD_HASH)
                 for i in range(n_users)]
        s.add_all(users)
        s.flush()
        return chamber.id, [u.id for u in users]


def _schedule(app: Any, chamber_id: int, users: list[int], key: str, run_at: dt.datetime, **kw: Any) -> None:
    with app.app_context(), app.extensions["chamber.db"].sessionmaker() as s, s.begin():
        ops.schedule_task(s, chamber_id=chamber_id, key=key, run_at=run_at, function="tests.notifications.tasks:announce",
                          payload={"chamber_id": chamber_id, "users": users}, **kw)


def _task(app: Any, key: str) -> ScheduledTask:
    with app.extensions["chamber.db"].sessionmaker() as s:
        task = s.scalar(select(ScheduledTask).where(ScheduledTask.key == key))
        assert task is not None
        return task


def _wait(predicate: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class Running:
    """scheduler.run(app) in a thread of this process."""

    def __init__(self, app: Any) -> None:
        self.stop = threading.Event()
        self.states: list[str] = []
        self.thread = threading.Thread(target=scheduler_mod.run, args=(app,),
                                       kwargs={"stop": self.stop, "on_state": self.states.append, "wait": 0.2},
                                       daemon=True)
        self.thread.start()
        assert _wait(lambda: "leader" in self.states, 20)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)


def test_tasks_fire_on_time_once_and_can_be_moved_or_cancelled(own_database: str, tmp_path: Any) -> None:
    app = make_app(own_database, str(tmp_path), JOBS=[])
    chamber_id, users = _world(app)
    now = dt.datetime.now(dt.timezone.utc)
    _schedule(app, chamber_id, users, "announcement:1", now + dt.timedelta(seconds=1.5))
    _schedule(app, chamber_id, users, "announcement:2", now + dt.timedelta(hours=5))
    _schedule(app, chamber_id, users, "announcement:3", now + dt.timedelta(seconds=1))
    running = Running(app)
    try:
        # moved from 5 hours to 2 seconds from now (as when a campaign's dates change), one cancelled
        _schedule(app, chamber_id, users, "announcement:2", dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2))
        with app.extensions["chamber.db"].sessionmaker() as s, s.begin():
            assert ops.cancel_task(s, chamber_id, "announcement:3")
        assert _wait(lambda: _task(app, "announcement:1").status == "done" and
                     _task(app, "announcement:2").status == "done", 15)
    finally:
        running.close()
    for key in ("announcement:1", "announcement:2"):
        task = _task(app, key)
        assert task.fired_at is not None
        delay = (task.fired_at - task.run_at).total_seconds()
        assert -0.05 <= delay < 1.0, (key, delay)
    assert _task(app, "announcement:3").status == "cancelled"
    with app.extensions["chamber.db"].sessionmaker() as s:
        per_source = dict(s.execute(select(Delivery.source, func.count()).group_by(Delivery.source)).all())
        assert per_source == {"announcement:1": 6, "announcement:2": 6}
    app.extensions["chamber.db"].engine.dispose()


def test_misfire_grace_across_a_restart(own_database: str, tmp_path: Any) -> None:
    app = make_app(own_database, str(tmp_path), JOBS=[], MISFIRE_GRACE_SECONDS=3600)
    chamber_id, users = _world(app)
    first = Running(app)
    now = dt.datetime.now(dt.timezone.utc)
    _schedule(app, chamber_id, users, "announcement:soon", now + dt.timedelta(seconds=3))
    _schedule(app, chamber_id, users, "announcement:later", now + dt.timedelta(seconds=4))
    assert _wait(lambda: _task(app, "announcement:later").synced_version > 0, 5)  # in the job store
    first.close()  # the scheduler is down while both come due
    time.sleep(4.5)
    # one of them was missed by 2 hours meanwhile (as if the scheduler had been down that long)
    with app.extensions["chamber.db"].sessionmaker() as s, s.begin():
        ops.schedule_task(s, chamber_id=chamber_id, key="announcement:long-ago",
                          run_at=now - dt.timedelta(hours=2), function="tests.notifications.tasks:announce",
                          payload={"chamber_id": chamber_id, "users": users},
                          on_missed="tests.notifications.tasks:missed")
    second = Running(app)
    try:
        assert _wait(lambda: _task(app, "announcement:soon").status == "done"
                     and _task(app, "announcement:later").status == "done"
                     and _task(app, "announcement:long-ago").status == "missed", 15)
    finally:
        second.close()
    missed = _task(app, "announcement:long-ago")
    assert "missed" in (missed.last_error or "") and missed.fired_at is None
    with app.extensions["chamber.db"].sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Delivery).where(Delivery.source == "announcement:long-ago")) == 0
        assert s.scalar(select(func.count()).select_from(InboxMessage)
                        .where(InboxMessage.source == "missed:announcement:long-ago")) == 1
        assert s.scalar(select(func.count()).select_from(Delivery).where(Delivery.source == "announcement:soon")) == 6
    app.extensions["chamber.db"].engine.dispose()


def _start(url: str, instance: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url, "CHAMBER_INSTANCE": instance, "CHAMBER_SCHEDULER_LEASE_SECONDS": "3",
           "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "chamber", "run-scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _read_until(proc: subprocess.Popen[str], word: str, seconds: float) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            lines.append(line.strip())
            if word in line:
                return lines
        else:
            time.sleep(0.05)
    return lines


def test_two_schedulers_one_active_the_other_takes_over(own_database: str, tmp_path: Any) -> None:
    app = make_app(own_database, str(tmp_path), JOBS=[])
    chamber_id, users = _world(app, n_users=5)
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=8)
    for i in range(3):
        _schedule(app, chamber_id, users, f"announcement:{i}", soon + dt.timedelta(seconds=i))
    a, b = _start(own_database, str(tmp_path)), _start(own_database, str(tmp_path))
    try:
        first = {p: _read_until(p, "scheduler", 40) for p in (a, b)}
        leaders = [p for p, lines in first.items() if any("scheduler running" in x for x in lines)]
        waiting = [p for p, lines in first.items() if any("waiting" in x for x in lines)]
        assert len(leaders) == 1 and len(waiting) == 1, first
        leader, follower = leaders[0], waiting[0]
        assert _wait(lambda: _task(app, "announcement:0").status == "done", 20)
        leader.send_signal(signal.SIGKILL)  # dies without a word; its lease runs out
        leader.wait(10)
        took_over = _read_until(follower, "scheduler running", 30)
        assert any("scheduler running" in x for x in took_over), took_over
        assert _wait(lambda: all(_task(app, f"announcement:{i}").status == "done" for i in range(3)), 30)
    finally:
        for p in (a, b):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
            if p.stdout is not None:
                p.stdout.close()
    # every recipient got exactly one inbox message and one email per announcement
    with app.extensions["chamber.db"].sessionmaker() as s:
        rows = s.execute(select(Delivery.source, Delivery.channel, Delivery.recipient)).all()
        inbox = s.execute(select(InboxMessage.source, InboxMessage.user_id)).all()
    assert len(rows) == 3 * 5 * 2 and set(Counter(rows).values()) == {1}
    assert len(inbox) == 15 and set(Counter(inbox).values()) == {1}
    app.extensions["chamber.db"].engine.dispose()

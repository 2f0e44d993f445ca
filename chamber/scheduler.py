"""The scheduler process: APScheduler running the periodic jobs and the scheduled tasks.

It runs beside the web server (`flask --app chamber run-scheduler`; `make run` starts it), never
inside create_app(). Web workers never run jobs.

**One active scheduler.** `run()` first takes the leader lock (`LeaderLock`): on PostgreSQL a
session-level advisory lock held by a connection of its own (it goes when the process dies); on
SQLite a lease row (`scheduler_leases`) renewed every LEASE_RENEW seconds and taken over once it
has not been renewed for LEASE_SECONDS. A second scheduler waits for the lock and takes over when
the first dies; a leader that loses its lock (its lease ran out while it was stalled) stops at
once and waits again.

**Jobs.** Two job stores:
- "memory": the periodic jobs of the app's JOBS setting (the core's and each feature's), added at
  every start from code — nothing to persist;
- "default": APScheduler's SQLAlchemyJobStore in the app's database (table `apscheduler_jobs`),
  holding one date job per scheduled task. It survives restarts.

**Scheduled tasks** (`chamber.notifications.operations.schedule_task`, e.g. "send announcement 42
at 10:00") are rows of `scheduled_tasks`, written by the web process in the same transaction as
the thing they belong to (so a rolled-back edit schedules nothing, and moving a campaign's dates
can move its announcements in one commit). Every POLL_SECONDS (0.2 s) the leader mirrors rows it
has not seen yet (version > synced_version) into date jobs of the SQLAlchemy store (add, replace,
or remove when cancelled); APScheduler wakes up for the nearest one and calls `run_task`, which
claims the row (pending → running, fenced on its version), calls the task's function with the
app, and marks it done (or failed, with the error). The firing delay is the poll interval at most
for a task due at once, and APScheduler's wake-up (milliseconds) for one scheduled ahead.

**Misfires.** A task whose time passed while no scheduler ran is run once at start if it is at
most MISFIRE_GRACE_SECONDS late (default 3600; APScheduler's misfire_grace_time,
coalesced), otherwise it is marked *missed* (status "missed", last_error says how late) and its
`on_missed` function is called — the organizer's page shows it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection, Engine

from .db import make_engine, utcnow

log = logging.getLogger("chamber.scheduler")

#: seconds between two looks at scheduled_tasks for new or changed tasks
POLL_SECONDS = 0.2
#: SQLite lease: taken over when not renewed for this long; renewed this often
LEASE_SECONDS = 10.0
LEASE_RENEW = 2.0
#: PostgreSQL advisory lock key ("chamber scheduler")
ADVISORY_KEY = 0x43484D42
TASK_JOB_PREFIX = "task:"

#: the app of this scheduler process: date jobs in the SQLAlchemy store are pickled, so they name
#: run_task and the task's key, and run_task finds the app here
_APP: Flask | None = None
#: id(scheduler) → its job store's engine
_ENGINES: dict[int, Engine] = {}


def resolve(name: str) -> Any:
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def misfire_grace(app: Flask) -> int:
    return int(app.config.get("MISFIRE_GRACE_SECONDS", 3600))


class _JobStore(SQLAlchemyJobStore):
    """APScheduler's SQLAlchemy job store, except that shutting down leaves the engine alone: APScheduler
    disposes it before its main loop has stopped, leaking the connection that loop still holds. run()
    disposes it once the scheduler has stopped."""

    def shutdown(self) -> None:
        pass


def build_scheduler(app: Flask, scheduler_cls: type = BlockingScheduler) -> Any:
    """A scheduler with one interval job per JOBS entry (name, seconds) in the memory store, the
    SQLAlchemy job store for the scheduled tasks, and the job mirroring those tasks."""
    global _APP
    _APP = app
    # an engine of the job store's own (disposed by run() when the scheduler has stopped)
    engine: Engine = make_engine(app.config["DATABASE_URL"])
    scheduler = scheduler_cls(
        timezone="UTC",
        jobstores={"default": _JobStore(engine=engine, tablename="apscheduler_jobs"),
                   "memory": MemoryJobStore()},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": misfire_grace(app)},
    )
    for name, seconds in app.config["JOBS"]:
        scheduler.add_job(resolve(name), "interval", seconds=seconds, args=[app], id=name, name=name,
                          jobstore="memory", replace_existing=True)
    poll = float(app.config.get("SCHEDULER_POLL_SECONDS", POLL_SECONDS))
    scheduler.add_job(sync_tasks, "interval", seconds=poll, args=[app, scheduler], id="chamber.scheduler:sync_tasks",
                      name="sync scheduled tasks", jobstore="memory", replace_existing=True)
    if hasattr(scheduler, "add_listener"):
        scheduler.add_listener(_on_missed, EVENT_JOB_MISSED)
    _ENGINES[id(scheduler)] = engine
    return scheduler


# --- scheduled tasks ------------------------------------------------------------------------


def sync_tasks(app: Flask, scheduler: Any) -> int:
    """Mirror new and changed scheduled tasks into date jobs; how many changed."""
    from .notifications.models import ScheduledTask

    sessionmaker = app.extensions["chamber.db"].sessionmaker
    with sessionmaker() as session:
        changed = session.execute(
            select(ScheduledTask.key, ScheduledTask.status, ScheduledTask.run_at, ScheduledTask.version)
            .where(ScheduledTask.version != ScheduledTask.synced_version)).all()
    if not changed:
        return 0
    for key, status, run_at, version in changed:
        job_id = TASK_JOB_PREFIX + key
        if status == "pending":
            scheduler.add_job(run_task, "date", run_date=run_at, args=[key, version], id=job_id, name=key,
                              jobstore="default", replace_existing=True, misfire_grace_time=misfire_grace(app))
        else:
            with contextlib.suppress(JobLookupError):
                scheduler.remove_job(job_id, jobstore="default")
    with sessionmaker() as session, session.begin():
        for key, _status, _run_at, version in changed:
            session.execute(update(ScheduledTask).where(ScheduledTask.key == key, ScheduledTask.version == version)
                            .values(synced_version=version).execution_options(synchronize_session=False))
    return len(changed)


def run_task(key: str, version: int) -> str:
    """Run the scheduled task key (as it was at version); its new status."""
    from .notifications.models import ScheduledTask

    app = _APP
    if app is None:
        raise RuntimeError("run_task runs in the scheduler process only")
    sessionmaker = app.extensions["chamber.db"].sessionmaker
    now = utcnow()
    with sessionmaker() as session, session.begin():
        claimed = session.execute(
            update(ScheduledTask).where(ScheduledTask.key == key, ScheduledTask.version == version,
                                        ScheduledTask.status == "pending")
            .values(status="running", fired_at=now, updated_at=now)
            .returning(ScheduledTask.function, ScheduledTask.payload)
            .execution_options(synchronize_session=False)).first()
    if claimed is None:
        return "skipped"  # changed, cancelled or already run: the newer version has its own job
    function, payload = claimed
    status, error = "done", None
    try:
        with app.app_context():
            resolve(function)(app, key, dict(payload or {}))
    except Exception as err:  # the task's failure is recorded on it, the scheduler goes on
        log.exception("scheduled task %s failed", key)
        status, error = "failed", f"{type(err).__name__}: {err}"[:2000]
    with sessionmaker() as session, session.begin():
        session.execute(update(ScheduledTask).where(ScheduledTask.key == key, ScheduledTask.version == version)
                        .values(status=status, last_error=error, finished_at=utcnow(), updated_at=utcnow())
                        .execution_options(synchronize_session=False))
    return status


def mark_missed(app: Flask, key: str, version: int, late: dt.timedelta) -> bool:
    """Mark a pending task missed (later than the grace) and call its on_missed; whether it was."""
    from .notifications.models import ScheduledTask

    sessionmaker = app.extensions["chamber.db"].sessionmaker
    reason = f"missed: the scheduler was not running; {int(late.total_seconds())} s late, grace " \
             f"{misfire_grace(app)} s"
    with sessionmaker() as session, session.begin():
        row = session.execute(
            update(ScheduledTask).where(ScheduledTask.key == key, ScheduledTask.version == version,
                                        ScheduledTask.status == "pending")
            .values(status="missed", last_error=reason, updated_at=utcnow())
            .returning(ScheduledTask.on_missed, ScheduledTask.payload)
            .execution_options(synchronize_session=False)).first()
    if row is None:
        return False
    log.warning("scheduled task %s %s", key, reason)
    if row.on_missed:
        try:
            with app.app_context():
                resolve(row.on_missed)(app, key, dict(row.payload or {}))
        except Exception:
            log.exception("on_missed of %s failed", key)
    return True


def _on_missed(event: JobExecutionEvent) -> None:
    if _APP is None or not str(event.job_id).startswith(TASK_JOB_PREFIX):
        return
    key = str(event.job_id)[len(TASK_JOB_PREFIX):]
    from .notifications.models import ScheduledTask

    with _APP.extensions["chamber.db"].sessionmaker() as session:
        version = session.scalar(select(ScheduledTask.version).where(ScheduledTask.key == key))
    if version is not None:
        run_time = event.scheduled_run_time
        mark_missed(_APP, key, version, utcnow() - run_time if run_time else dt.timedelta(0))


# --- the leader lock ------------------------------------------------------------------------


class LeaderLock:
    """Only one scheduler is active: a PostgreSQL advisory lock, or a lease row on SQLite."""

    def __init__(self, app: Flask, name: str = "scheduler", lease_seconds: float | None = None) -> None:
        self.engine: Engine = app.extensions["chamber.db"].engine
        self.sessionmaker = app.extensions["chamber.db"].sessionmaker
        self.name = name
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease = dt.timedelta(seconds=lease_seconds or float(app.config.get("SCHEDULER_LEASE_SECONDS",
                                                                                LEASE_SECONDS)))
        self.postgres = self.engine.dialect.name == "postgresql"
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self.postgres:
            if self._conn is None:
                self._conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar())
            if not got:
                self._conn.close()
                self._conn = None
            return got
        return self._take_lease(renew=False)

    def renew(self) -> bool:
        """Whether this process still holds the lock (and, on SQLite, extends the lease)."""
        if self.postgres:
            if self._conn is None:
                return False
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except Exception:
                return False
        return self._take_lease(renew=True)

    def release(self) -> None:
        if self.postgres:
            if self._conn is not None:
                try:
                    self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                finally:
                    self._conn.close()
                    self._conn = None
            return
        from .notifications.models import SchedulerLease

        with self.sessionmaker() as session, session.begin():
            session.execute(update(SchedulerLease).where(SchedulerLease.name == self.name,
                                                         SchedulerLease.holder == self.holder)
                            .values(expires_at=utcnow() - dt.timedelta(seconds=1)))

    def _take_lease(self, renew: bool) -> bool:
        from .notifications.models import SchedulerLease

        now = utcnow()
        with self.sessionmaker() as session, session.begin():  # BEGIN IMMEDIATE: one at a time
            lease = session.get(SchedulerLease, self.name)
            if lease is None:
                if renew:
                    return False
                session.add(SchedulerLease(name=self.name, holder=self.holder, expires_at=now + self.lease))
                return True
            if lease.holder != self.holder and (renew or lease.expires_at > now):
                return False
            if lease.holder == self.holder and lease.expires_at <= now and renew:
                return False  # ran out while we stalled: someone may have taken over; start over
            lease.holder, lease.expires_at = self.holder, now + self.lease
            return True


def run(app: Flask, *, wait: float = 1.0, stop: threading.Event | None = None,
        on_state: Any = None) -> None:
    """Wait to be the leader, then run the scheduler while the lock holds; again if it is lost.
    on_state(state) is told "waiting", "leader", "lost"; stop ends it."""
    stop = stop or threading.Event()
    lock = LeaderLock(app)
    renew_every = LEASE_RENEW if not lock.postgres else 1.0
    while not stop.is_set():
        if not lock.try_acquire():
            if on_state:
                on_state("waiting")
            stop.wait(wait)
            continue
        if on_state:
            on_state("leader")
        log.info("scheduler %s is the leader", lock.holder)
        _unsync_all(app)  # re-mirror every pending task (the job store may lag the table)
        scheduler = build_scheduler(app, BackgroundScheduler)
        scheduler.start()
        try:
            while not stop.wait(renew_every):
                if not lock.renew():
                    log.error("scheduler %s lost the leader lock; stopping", lock.holder)
                    if on_state:
                        on_state("lost")
                    break
        finally:
            scheduler.shutdown(wait=True)  # also joins its main loop
            _ENGINES.pop(id(scheduler)).dispose()
        if stop.is_set():
            lock.release()
            return
        time.sleep(0.1)


def _unsync_all(app: Flask) -> None:
    from .notifications.models import ScheduledTask

    with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
        session.execute(update(ScheduledTask).where(ScheduledTask.status == "pending").values(synced_version=0)
                        .execution_options(synchronize_session=False))

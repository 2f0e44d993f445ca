"""Exactly once: schedulers racing for the same due announcements fire each one once.

Against committed data in a database of its own (a fresh SQLite file, or a fresh schema of
DATABASE_URL's PostgreSQL database, dropped afterwards): threads released by one barrier, and two
scheduler processes started together, all run the announcement job at the same moment. Each
announcement must have exactly one post and one set of delivery rows. On SQLite, BEGIN IMMEDIATE
serialises them; on PostgreSQL the announcement's row lock (FOR UPDATE) and the unique keys do.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from campaigns.announcements import operations as ops
from campaigns.announcements.jobs import fire_due_announcements
from campaigns.announcements.models import Announcement, AnnouncementPost
from chamber import create_app, migrate
from chamber.chambers.operations import create_chamber
from chamber.models import Chamber, Member, Tier, User
from chamber.rules import make_uscc
from tests.conftest import _PASSWORD_HASH
from tests.live import own_schema

UTC = dt.timezone.utc
ANNOUNCEMENTS = 12
THREADS = 4
TIMEOUT = 60


class Yard:
    """A chamber with an organizer and members in a database of its own."""

    def __init__(self, url: str, instance: str) -> None:
        self.url, self.instance = url, instance
        self.app = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "race"})
        self.Session = self.app.extensions["chamber.db"].sessionmaker
        tag = uuid.uuid4().hex[:8]
        with self.app.app_context(), self.Session() as s, s.begin():
            org = User(email=f"org-{tag}@race.example", display_name="组织者", password_hash=_PASSWORD_HASH)
            s.add(org)
            s.flush()
            chamber = create_chamber(s, org, slug=f"race-{tag}", name="并发商会", kind="regional", region="杭州",
                                     currency="CNY", timezone="Asia/Shanghai", description="")
            tier = s.scalar(select(Tier).where(Tier.chamber_id == chamber.id, Tier.key == "micro"))
            for i in range(5):
                user = User(email=f"m{i}-{tag}@race.example", display_name=f"商户{i}", password_hash=_PASSWORD_HASH)
                s.add(user)
                s.flush()
                s.add(Member(chamber_id=chamber.id, user_id=user.id, business_name=f"商户{i}",
                             uscc=make_uscc(f"91330106MA{i:07d}"), contact_name="联系人", phone="13800000000",
                             annual_revenue_minor=100_00, status="approved", tier_id=tier.id))
            self.chamber_id, self.org_id = chamber.id, org.id

    def schedule(self, n: int, at: dt.datetime) -> list[int]:
        """n announcements due at `at` (written a minute before it)."""
        ids = []
        with self.app.app_context(), self.Session() as s, s.begin():
            chamber = s.get(Chamber, self.chamber_id)
            org = s.get(User, self.org_id)
            for i in range(n):
                a = ops.create_announcement(s, chamber, org, ops.Draft(
                    title=f"公告 {i}", body="**开始了**", audience=["members", "organizers"],
                    channels=["inbox", "email", "feed"], send_at=at), now=at - dt.timedelta(minutes=1))
                ids.append(a.id)
        return ids

    def check(self, ids: list[int]) -> None:
        with self.Session() as s:
            posts = Counter(s.scalars(select(AnnouncementPost.announcement_id)
                                      .where(AnnouncementPost.announcement_id.in_(ids))))
            statuses = set(s.scalars(select(Announcement.status).where(Announcement.id.in_(ids))))
            assert posts == Counter(dict.fromkeys(ids, 1)), "each announcement went out exactly once"
            assert statuses <= {"sending", "sent"}, statuses
            assert s.scalar(select(func.count()).select_from(AnnouncementPost)
                            .where(AnnouncementPost.announcement_id.in_(ids))) == len(ids)
            count_deliveries = getattr(ops, "count_deliveries", None)
            if count_deliveries is not None:  # the outbox: one row per recipient × channel, never two
                per = count_deliveries(s, ids)
                assert len(set(per.values())) <= 1, per


@pytest.fixture(scope="module")
def yard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Yard]:
    instance = tmp_path_factory.mktemp("announce-race")
    with own_schema(instance, "announce") as url:
        migrate.upgrade(url)
        yard = Yard(url, str(instance))
        try:
            yield yard
        finally:
            yard.app.extensions["chamber.db"].engine.dispose()


def test_threads_racing_fire_each_announcement_once(yard: Yard) -> None:
    at = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(days=1)
    ids = yard.schedule(ANNOUNCEMENTS, at)
    barrier = threading.Barrier(THREADS)
    outcomes: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(TIMEOUT)
            outcomes.append(fire_due_announcements(yard.app, now=at + dt.timedelta(seconds=1)))
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not errors, errors
    total: Counter[str] = Counter()
    for o in outcomes:
        total.update(o)
    assert total["fired"] == ANNOUNCEMENTS and total.get("failed", 0) == 0, total
    yard.check(ids)


def _scheduler(url: str, instance: str, barrier: Any, at: dt.datetime, results: Any) -> None:
    from campaigns.announcements.jobs import fire_due_announcements as job
    from chamber import create_app as make

    app = make({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": instance, "SECRET_KEY": "race"})
    try:
        barrier.wait(TIMEOUT)
        results.put(job(app, now=at))
    except Exception as err:  # reported to the test
        results.put({"error": repr(err)})
    finally:
        app.extensions["chamber.db"].engine.dispose()


def test_two_scheduler_processes_started_together_fire_each_announcement_once(yard: Yard) -> None:
    at = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(days=2)
    ids = yard.schedule(ANNOUNCEMENTS, at)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_scheduler, args=(yard.url, yard.instance, barrier, at + dt.timedelta(seconds=1),
                                                  results), daemon=True) for _ in range(2)]
    for p in procs:
        p.start()
    got = [results.get(timeout=TIMEOUT) for _ in procs]
    for p in procs:
        p.join(TIMEOUT)
    assert all("error" not in r for r in got), got
    assert sum(r.get("fired", 0) for r in got) == ANNOUNCEMENTS, got
    yard.check(ids)

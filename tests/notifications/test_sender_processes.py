"""Several sender processes, and a sender killed in the middle of a batch (real SMTP, committed data;
SQLite, or PostgreSQL with DATABASE_URL)."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import Counter
from typing import Any

from sqlalchemy import select

from chamber.chambers.operations import create_chamber
from chamber.models import User
from chamber.notifications import catcher
from chamber.notifications import operations as ops
from chamber.notifications.models import Delivery
from tests.conftest import _PASSWORD_HASH
from tests.notifications.workers import make_app, send


def _world(url: str, instance: str, n: int) -> tuple[Any, int]:
    app = make_app(url, instance)
    with app.app_context(), app.extensions["chamber.db"].sessionmaker() as s, s.begin():
        organizer = User(email="org@notify.example", display_name="组织者", password_hash=_PASSWORD_HASH)
        s.add(organizer)
        s.flush()
        chamber = create_chamber(s, organizer, slug="notify", name="通知商会", kind="regional", region="杭州",
                                 currency="CNY", timezone="Asia/Shanghai", description="")
        ops.enqueue(s, chamber_id=chamber.id, source="announcement:1", channel="email",
                    recipients=[f"r{i:04d}@example.cn" for i in range(n)], subject="双十一", text="全场九折")
        chamber_id = chamber.id
    return app, chamber_id


def test_several_sender_processes_send_each_message_exactly_once(own_database: str, tmp_path: Any) -> None:
    n, procs = 400, 4
    controller, handler = catcher.start()
    app, chamber_id = _world(own_database, str(tmp_path), n)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(procs), ctx.Queue()
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "DELIVERY_BATCH": 20}
    workers = [ctx.Process(target=send, args=(own_database, str(tmp_path), config, barrier, results))
               for _ in range(procs)]
    try:
        for w in workers:
            w.start()
        sent = [results.get(timeout=180) for _ in workers]
        for w in workers:
            w.join(30)
    finally:
        controller.stop()
    assert sum(s[0] for s in sent) == n, sent
    assert sum(1 for s in sent if s[0]) >= 2, f"one process did all the work: {sent}"  # they really shared it
    per_recipient = Counter(r.recipients[0] for r in handler.received)
    assert len(per_recipient) == n and set(per_recipient.values()) == {1}
    assert len({r.message["Message-ID"] for r in handler.received}) == n
    with app.extensions["chamber.db"].sessionmaker() as s:
        assert ops.delivery_counts(s, chamber_id, "announcement:1") == {"pending": 0, "sending": 0, "sent": n,
                                                                         "failed": 0}
    app.extensions["chamber.db"].engine.dispose()


def test_a_sender_killed_mid_batch_resends_at_most_the_in_flight_messages(own_database: str, tmp_path: Any) -> None:
    n = 120
    controller, handler = catcher.start(delay=0.01)
    app, chamber_id = _world(own_database, str(tmp_path), n)
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port, "DELIVERY_BATCH": 40,
              "DELIVERY_LEASE_SECONDS": 3}
    victim = ctx.Process(target=send, args=(own_database, str(tmp_path), config, None, results))
    try:
        victim.start()
        deadline = time.monotonic() + 120
        while len(handler.received) < 50 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert victim.pid is not None
        os.kill(victim.pid, signal.SIGKILL)  # in the middle of its second batch
        victim.join(10)
        received_before = len(handler.received)
        assert 50 <= received_before < n
        Session = app.extensions["chamber.db"].sessionmaker
        with Session() as s:
            in_flight = {d.email: d.message_key for d in s.scalars(select(Delivery).where(Delivery.status == "sending"))}
        assert in_flight, "the kill came between two batches; nothing was in flight"
        # a new sender takes over once the dead one's lease has run out
        time.sleep(3.2)
        restarted = ctx.Process(target=send, args=(own_database, str(tmp_path), config, None, results))
        restarted.start()
        results.get(timeout=120)
        restarted.join(30)
    finally:
        controller.stop()
    per_recipient = Counter(r.recipients[0] for r in handler.received)
    assert set(per_recipient) == {f"r{i:04d}@example.cn" for i in range(n)}  # every message delivered
    twice = {rcpt for rcpt, count in per_recipient.items() if count > 1}
    assert max(per_recipient.values()) <= 2
    assert twice <= set(in_flight), (twice, in_flight)  # only in-flight ones were sent again …
    for rcpt in twice:  # … with the same Message-ID, so the receiver can drop the copy
        ids = {r.message["Message-ID"] for r in handler.received if r.recipients[0] == rcpt}
        assert ids == {f"<{in_flight[rcpt]}@chamber.example>"}
    with Session() as s:
        assert ops.delivery_counts(s, chamber_id, "announcement:1")["sent"] == n
    app.extensions["chamber.db"].engine.dispose()

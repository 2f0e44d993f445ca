"""SQLite with several processes: the lost-update experiment, against the app's own engine."""
from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from sqlalchemy import text

from chamber.db import make_engine

PROCESSES = 4
UPDATES = 200


def _worker(url: str, barrier: mp.synchronize.Barrier) -> None:
    engine = make_engine(url)
    barrier.wait()
    for _ in range(UPDATES):
        # read, then write what was read plus one: the classic read-modify-write
        with engine.begin() as conn:
            value = conn.execute(text("SELECT value FROM counter WHERE id = 1")).scalar_one()
            conn.execute(text("UPDATE counter SET value = :v WHERE id = 1"), {"v": value + 1})
    engine.dispose()


def test_no_lost_updates_across_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'counter.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter VALUES (1, 0)"))
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30000
    ctx = mp.get_context("fork")  # the workers build their own engines
    barrier = ctx.Barrier(PROCESSES)
    procs = [ctx.Process(target=_worker, args=(url, barrier)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM counter")).scalar_one() == PROCESSES * UPDATES
    engine.dispose()

"""The migration that adds write-offs rebuilds the ledger's constraints without losing rows, triggers or indexes."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError

from chamber import migrate
from tests.live import own_schema

ROWS = [
    # id, type, member, amount, reverses
    (1, "pledge", 1, 250_00, None),
    (2, "payment", 1, 100_00, None),
    (3, "reversal", 1, 100_00, 2),
    (4, "payment", 1, 250_00, None),
]


def _seed(conn):
    conn.execute(text("INSERT INTO users (id, email, password_hash, display_name, created_at, session_version) "
                      "VALUES (1, 'o@example.com', 'x', 'O', '2026-01-01 00:00:00', 0)"))
    conn.execute(text("INSERT INTO chambers (id, slug, name, kind, region, currency, timezone, description, created_at,"
                      " complaint_days, public_ledger) VALUES (1, 'c', 'C', 'regional', 'r', 'CNY', 'Asia/Shanghai', '',"
                      " '2026-01-01 00:00:00', 7, 'off')"))
    conn.execute(text("INSERT INTO tiers (id, chamber_id, key, name, weight) VALUES (1, 1, 'micro', '小微', 1)"))
    conn.execute(text("INSERT INTO members (id, chamber_id, user_id, business_name, uscc, contact_name, phone, shop_url,"
                      " wechat_id, annual_revenue_minor, status, tier_id, reason, applied_at) VALUES (1, 1, 1, 'M',"
                      " '91330106MA0000001X', 'c', '1', '', '', 1, 'approved', 1, '', '2026-01-01 00:00:00')"))
    conn.execute(text("INSERT INTO campaigns (id, chamber_id, slug, title, festival, description, starts_at, ends_at,"
                      " optin_deadline, budget_minor, method, status, cancel_reason, created_by_id, created_at,"
                      " updated_at) VALUES (1, 1, 'k', 'K', 'double11', '', '2026-02-01 00:00:00',"
                      " '2026-03-01 00:00:00', '2026-01-15 00:00:00', 25000, 'equal', 'live', '', 1,"
                      " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
    for entry_id, entry_type, member, amount, reverses in ROWS:
        conn.execute(text(
            "INSERT INTO ledger_entries (id, chamber_id, campaign_id, entry_type, member_id, amount_minor, method,"
            " reference, paid_on, payee, category, description, reverses_id, reason, created_by_id, created_at)"
            " VALUES (:id, 1, 1, :t, :m, :a, :method, '', :paid_on, '', '', '', :rev, '', 1, '2026-01-02 00:00:00')"),
            {"id": entry_id, "t": entry_type, "m": member, "a": amount, "rev": reverses,
             "method": "cash" if entry_type == "payment" else None,
             "paid_on": "2026-01-02" if entry_type == "payment" else None})


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    """An empty database of the test's own, where the migrations run from the start: a SQLite file, or a fresh
    schema of the suite's PostgreSQL database (tests/live.py own_schema) when the suite runs on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.sqlite'}"
    elif not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("runs when the suite runs on PostgreSQL (DATABASE_URL), as in .ci/run")
    else:
        with own_schema(tmp_path, "write_off_migration") as url:
            yield url


def test_upgrade_keeps_the_ledger_and_accepts_write_offs(empty_database):
    url = empty_database
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    migrate.upgrade(url, "heads")
    migrate.downgrade(url, "campaigns_0004")  # the downgrade works too; the other branches stay at their heads
    engine = create_engine(url)
    with engine.begin() as conn:
        if backend == "sqlite":
            conn.execute(text("PRAGMA foreign_keys=ON"))
        _seed(conn)
    migrate.upgrade(url, "heads")
    with engine.begin() as conn:
        rows = conn.execute(text("SELECT id, entry_type, member_id, amount_minor, reverses_id FROM ledger_entries "
                                 "ORDER BY id")).all()
        assert [tuple(r) for r in rows] == ROWS
        conn.execute(text("INSERT INTO ledger_entries (id, chamber_id, campaign_id, entry_type, member_id, amount_minor,"
                          " reference, payee, category, description, reason, created_by_id, created_at) VALUES"
                          " (5, 1, 1, 'write_off', 1, 100, '', '', '', '', 'gone', 1, '2026-01-03 00:00:00')"))
    for sql in ("UPDATE ledger_entries SET amount_minor = 1 WHERE id = 1", "DELETE FROM ledger_entries WHERE id = 4"):
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text(sql))
    with pytest.raises(DatabaseError), engine.begin() as conn:  # a write-off names its member
        conn.execute(text("INSERT INTO ledger_entries (chamber_id, campaign_id, entry_type, amount_minor, reference,"
                          " payee, category, description, reason, created_by_id, created_at) VALUES"
                          " (1, 1, 'write_off', 100, '', '', '', '', 'x', 1, '2026-01-03 00:00:00')"))
    with pytest.raises(DatabaseError), engine.begin() as conn:  # still one pledge per member
        conn.execute(text("INSERT INTO ledger_entries (chamber_id, campaign_id, entry_type, member_id, amount_minor,"
                          " reference, payee, category, description, reason, created_by_id, created_at) VALUES"
                          " (1, 1, 'pledge', 1, 100, '', '', '', '', '', 1, '2026-01-03 00:00:00')"))
    with engine.connect() as conn:
        if backend == "sqlite":
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
            assert "REFERENCES \"ledger_entries\"" in conn.execute(text(
                "SELECT sql FROM sqlite_master WHERE name = 'ledger_entries'")).scalar_one()
    # going back drops the write-offs (the old constraint knows none) and keeps every other entry
    migrate.downgrade(url, "campaigns_0004")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, entry_type, member_id, amount_minor, reverses_id FROM ledger_entries "
                                 "ORDER BY id")).all()
        assert [tuple(r) for r in rows] == ROWS
    engine.dispose()

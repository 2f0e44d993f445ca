"""Append-only tables: the database itself refuses UPDATE and DELETE of their rows.

Used by the migrations of every package that keeps a book (the campaign ledger, the price
history, the joint-purchase account), so the trigger DDL is written once. The SQL it emits is the
same that those migrations emitted when each wrote it out.
"""
from __future__ import annotations

from typing import Any


def create_triggers(op: Any, table: str, message: str | None = None) -> None:
    """Refuse UPDATE and DELETE on table: a plpgsql trigger on PostgreSQL, two triggers on SQLite."""
    message = message or f"{table} is append-only"
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message} (%)', TG_OP; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def drop_triggers(op: Any, table: str) -> None:
    """Undo create_triggers (downgrades)."""
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION {table}_append_only()")
    else:
        op.execute(f"DROP TRIGGER {table}_no_update")
        op.execute(f"DROP TRIGGER {table}_no_delete")

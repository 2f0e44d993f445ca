"""A fresh database and a real HTTP server for tests that talk to the app from outside (browser, curl)."""
from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def live_database(tmp_path_factory: pytest.TempPathFactory, suffix: str) -> Iterator[str]:
    """Yield the URL of a fresh database; drop it afterwards (PostgreSQL: ``<DATABASE_URL's db>_<suffix>``)."""
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp(suffix) / 'live.sqlite'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{suffix}"
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise RuntimeError(f"unexpected database name {name!r}")
    maintenance = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with maintenance.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        maintenance.dispose()


def keep_alive_handler() -> type:
    from werkzeug.serving import WSGIRequestHandler

    class KeepAlive(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: one connection per page, not one per request

    return KeepAlive


@contextmanager
def own_schema(folder: Path, prefix: str) -> Iterator[str]:
    """The URL of a database of one's own, not yet migrated, for tests whose processes must see
    committed data: a fresh schema of DATABASE_URL's PostgreSQL (dropped afterwards), or a SQLite
    file in folder."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{folder / f'{prefix}.sqlite'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
                hide_password=False)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()

"""Alembic environment: runs on the connection or URL that chamber.migrate passes in."""
from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from chamber.db import Base, make_engine
import chamber.models  # noqa: F401  # registers the core tables

config = context.config
target_metadata = Base.metadata
for module in config.attributes.get("model_modules", ()):
    __import__(module)


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()

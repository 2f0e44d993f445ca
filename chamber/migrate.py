"""Schema changes only through Alembic; the app and the tests both upgrade this way."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

MODEL_MODULES = ("chamber.models", "campaigns.models")


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["model_modules"] = [m for m in MODEL_MODULES if _importable(m)]
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def upgrade(url: str, revision: str = "head", connection: Connection | None = None) -> None:
    """Bring the database at url (or on connection) up to revision."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)

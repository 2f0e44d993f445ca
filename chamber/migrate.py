"""Schema changes only through Alembic; the app and the tests both upgrade this way.

One branch per package: the core's revisions (chamber/migrations/versions, branch "chamber") and
each feature's migrations folder (branch named after the package, its first revision
`depends_on` a core revision). `upgrade` goes to "heads": every branch's newest revision.
"""
from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from . import features as features_mod

CORE_VERSIONS = Path(__file__).parent / "migrations" / "versions"


def alembic_config(url: str, connection: Connection | None = None,
                   features: list[features_mod.Feature] | None = None) -> Config:
    features = features_mod.load() if features is None else features
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("path_separator", "os")
    locations = [CORE_VERSIONS, *features_mod.migration_dirs(features)]
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["model_modules"] = [
        "chamber.models", "chamber.trust.models", "chamber.notifications.models",
        *features_mod.model_modules(features),
    ]
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "heads", connection: Connection | None = None) -> None:
    """Bring the database at url (or on connection) up to revision (default: every branch's newest)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def heads(url: str = "sqlite://") -> list[str]:
    """The newest revision of each branch."""
    return list(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def new_revision(url: str, package: str, message: str, autogenerate: bool = True) -> str:
    """Write a new revision into package's branch ("chamber" for the core); the database at url
    must be at heads for autogenerate. A feature's first revision starts its branch."""
    cfg = alembic_config(url)
    script = ScriptDirectory.from_config(cfg)
    if package == "chamber":
        version_path, head, branch_label, depends_on = CORE_VERSIONS, "chamber@head", None, None
    else:
        feature = next((f for f in features_mod.load() if f.name == package), None)
        if feature is None or feature.migrations_dir is None:
            raise LookupError(f"{package} is not an enabled feature with a migrations folder")
        version_path = feature.migrations_dir
        if package in {label for rev in script.walk_revisions() for label in rev.branch_labels}:
            head, branch_label, depends_on = f"{package}@head", None, None
        else:  # the package's first revision: a new branch after the core's newest
            head, branch_label, depends_on = "base", package, script.get_revision("chamber@head").revision
    made = command.revision(cfg, message=message, autogenerate=autogenerate, head=head, branch_label=branch_label,
                            depends_on=depends_on, version_path=str(version_path))
    scripts = made if isinstance(made, list) else [made]
    return ", ".join(s.path for s in scripts if s is not None)

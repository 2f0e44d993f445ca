"""Chamber: chambers of commerce for micro-merchants.

`create_app(config)` is the app factory. It never starts the scheduler (see `chamber.cli`).
"""
from __future__ import annotations

import gc
import importlib
from pathlib import Path
from typing import Any

from flask import Flask

#: THE list of enabled feature packages, in the order their blueprints, hooks and demo data apply.
#: Each declares itself in `<package>/feature.py` (see chamber/features.py); the core names them
#: nowhere else (tests/test_features.py checks).
FEATURES: list[str] = ["campaigns", "pricing_alliance"]

_HERE = Path(__file__).resolve().parent


def _asset_dir(name: str) -> str:
    # Installed from a wheel: chamber/_templates; from a checkout: the repository's templates/.
    packaged = _HERE / f"_{name}"
    return str(packaged if packaged.is_dir() else _HERE.parent / name)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, i18n, web plumbing, feature blueprints, CLI."""
    from . import caching, cli, db, features, i18n, web  # caching: version bumps
    from . import config as config_mod
    from .notifications import models as _notification_models  # noqa: F401  # mapped before the first query
    from .trust import models as _trust_models  # noqa: F401  # mapped before the first query

    settings = config_mod.load(config)
    app = Flask(
        __name__,
        template_folder=_asset_dir("templates"),
        static_folder=_asset_dir("static"),
        static_url_path="/static",  # also when the folder is the wheel's chamber/_static
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config.update(settings)
    app.extensions["chamber.db"] = db.Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(db.close_session)
    # Feature packages are found through their declarations: the core never imports them by
    # name, so imports keep pointing from the features to the core.
    enabled = features.load(app.config.get("FEATURES", FEATURES))
    i18n.init_app(app, enabled)  # the core's catalog and each enabled feature's
    web.init_app(app)
    for module in app.config["BLUEPRINTS"]:  # the core's own
        app.register_blueprint(importlib.import_module(module).bp)
    features.init_app(app, enabled)
    web.init_transactions(app)  # one commit per request, for every view registered above
    cli.init_app(app)
    if app.config.get("FRONT_CACHE", True):
        # public pages for visitors without a session, answered before Flask runs (chamber/caching.py)
        front = caching.FrontCache(app, app.wsgi_app)
        app.extensions["chamber.front_cache"] = front
        app.wsgi_app = front  # type: ignore[method-assign]
    return app


def freeze_startup_objects() -> None:
    """Take what start-up created out of the garbage collector's sight (call once, before serving).

    The app, its URL map, templates and SQLAlchemy's mappers live as long as the process; left in
    the collector's generations, every full collection walks them again: a pause of tens of
    milliseconds in the middle of a request (measured on the ledger API, see BENCHMARKS.md).
    """
    gc.collect()
    gc.freeze()

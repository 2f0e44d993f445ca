"""The WSGI entry point: `gunicorn chamber.wsgi:app` (what `make run` serves)."""
from __future__ import annotations

from . import create_app, freeze_startup_objects

app = create_app()
freeze_startup_objects()

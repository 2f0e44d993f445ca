"""The scheduler process: APScheduler running the jobs named in the app's JOBS setting.

It runs beside the web server (see `make run`), never inside create_app().
"""
from __future__ import annotations

import importlib
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask


def resolve(name: str) -> Any:
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def build_scheduler(app: Flask, scheduler_cls: type = BlockingScheduler) -> Any:
    """A scheduler with one interval job per JOBS entry (name, seconds)."""
    scheduler = scheduler_cls(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    for name, seconds in app.config["JOBS"]:
        scheduler.add_job(resolve(name), "interval", seconds=seconds, args=[app], id=name, name=name)
    return scheduler

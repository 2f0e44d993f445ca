"""Tests that need something from the machine (chromium, Playwright, CJK fonts, HarfBuzz).

Locally such a test skips and says what to install; in CI (CI=1 or CI=true, as CI runners and
.ci/run set it) the same gap fails the run, so a CI image without chromium cannot pass quietly.
"""
from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str, install: str, *, module_level: bool = False) -> NoReturn:
    """Skip (locally) or fail (in CI) because `what` is not on this machine."""
    message = f"{what} is missing: {install}"
    if in_ci():
        pytest.fail(f"CI must run this test, but {message}", pytrace=False)
    pytest.skip(message, allow_module_level=module_level)


def require_module(name: str, install: str) -> ModuleType:
    """Import name at module level, or skip/fail the whole test module."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python package for {name}", install, module_level=True)

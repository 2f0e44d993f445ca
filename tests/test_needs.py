"""Tests that need chromium, Playwright or the PDF fonts skip locally and fail in CI."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.needs import in_ci, missing

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("value", "ci"), [("1", True), ("true", True), ("True", True), ("", False), ("0", False),
                                           ("false", False)])
def test_ci_comes_from_the_environment(monkeypatch, value, ci):
    monkeypatch.setenv("CI", value)
    assert in_ci() is ci


def test_a_missing_tool_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="HarfBuzz-Subset is missing: apt-get install libharfbuzz-subset0"):
        missing("HarfBuzz-Subset", "apt-get install libharfbuzz-subset0")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI must run this test.*apt-get install libharfbuzz-subset0"):
        missing("HarfBuzz-Subset", "apt-get install libharfbuzz-subset0")


def _browser_run_without_chromium(ci: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(CHAMBER_CHROMIUM="/nonexistent/chromium", CI=ci)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/browser/test_core_flows.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_browser_tests_without_chromium_skip_locally_and_fail_in_ci():
    local = _browser_run_without_chromium("")
    assert local.returncode == 0, local.stdout[-2000:]
    assert "skipped" in local.stdout and "apt-get install chromium" in local.stdout
    ci = _browser_run_without_chromium("1")
    assert ci.returncode != 0, ci.stdout[-2000:]
    assert "CI must run this test" in ci.stdout and "apt-get install chromium" in ci.stdout
    assert "passed" not in ci.stdout.splitlines()[-1]

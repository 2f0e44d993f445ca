"""Property tests of the delivery rules: backoff, retries, webhook signatures and URLs."""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from chamber.config import load
from chamber.notifications import rules

NOW = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.timezone.utc)


@given(st.integers(1, 200))
def test_backoff_grows_doubling_up_to_the_cap(attempts: int) -> None:
    delay = rules.backoff(attempts)
    assert rules.BASE_DELAY <= delay <= rules.MAX_DELAY
    assert rules.backoff(attempts + 1) >= delay
    if delay * 2 <= rules.MAX_DELAY:
        assert rules.backoff(attempts + 1) == delay * 2


@given(st.integers(1, 50), st.integers(1, 20))
def test_after_failure_retries_until_the_limit_then_fails(attempts: int, limit: int) -> None:
    after = rules.after_failure(attempts, NOW, max_attempts=limit)
    if attempts >= limit:
        assert after.status == "failed"
    else:
        assert after.status == "pending" and after.next_attempt_at == NOW + rules.backoff(attempts)


@given(st.text(min_size=1), st.integers(0, 2**40), st.binary())
def test_signature_verifies_only_the_same_secret_time_and_body(secret: str, ts: int, body: bytes) -> None:
    signature = rules.sign_webhook(secret, ts, body)
    assert signature.startswith("sha256=") and len(signature) == 71
    assert rules.verify_webhook(secret, ts, body, signature)
    assert not rules.verify_webhook(secret + "x", ts, body, signature)
    assert not rules.verify_webhook(secret, ts + 1, body, signature)
    assert not rules.verify_webhook(secret, ts, body + b"x", signature)


def test_webhook_urls() -> None:
    for good in ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "http://127.0.0.1:8080/hook"):
        assert rules.webhook_url_problem(good) is None
    for bad in ("", "ftp://x/y", "javascript:alert(1)", "file:///etc/passwd", "https://", "https://u:p@x.cn/",
                " https://x.cn", "https://x.cn/a b", "//x.cn/hook", "x.cn"):
        assert rules.webhook_url_problem(bad), bad


@given(st.text())
def test_any_text_is_either_refused_or_an_http_url(url: str) -> None:
    if rules.webhook_url_problem(url) is None:
        assert url.startswith(("http://", "https://"))


def test_the_retry_limits_are_written_once(tmp_path: Path) -> None:
    """rules.MAX_ATTEMPTS and rules.BASE_DELAY are the only numbers: the configuration's defaults
    (DELIVERY_MAX_ATTEMPTS, DELIVERY_RETRY_SECONDS) are taken from them, and no other module defines its own."""
    config = load({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test"})
    assert config["DELIVERY_MAX_ATTEMPTS"] == rules.MAX_ATTEMPTS
    assert config["DELIVERY_RETRY_SECONDS"] == rules.BASE_DELAY.total_seconds()
    root = Path(__file__).resolve().parents[2]
    defined = [str(p.relative_to(root)) for folder in ("chamber", "campaigns") for p in (root / folder).rglob("*.py")
               if re.search(r"^(MAX_ATTEMPTS|BASE_DELAY)\s*[:=]", p.read_text(), re.MULTILINE)]
    assert defined == ["chamber/notifications/rules.py"]
    typed = [ast.unparse(v) for node in ast.walk(ast.parse((root / "chamber" / "config.py").read_text()))
             if isinstance(node, ast.Dict) for k, v in zip(node.keys, node.values, strict=True)
             if isinstance(k, ast.Constant) and k.value in ("DELIVERY_MAX_ATTEMPTS", "DELIVERY_RETRY_SECONDS")
             and isinstance(v, ast.Constant)]
    assert typed == []

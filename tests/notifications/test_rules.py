"""Property tests of the delivery rules: backoff, retries, webhook signatures and URLs."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

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

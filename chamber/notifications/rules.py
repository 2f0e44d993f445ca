"""Pure decisions of the delivery service (standard library only): retries, signatures, addresses.

- `after_failure(attempts, now, …)`: what a failed delivery becomes — tried again later (exponential
  backoff with a cap) or failed for good once the attempts run out.
- `sign_webhook(secret, timestamp, body)`: the HMAC-SHA256 signature a webhook receiver checks.
- `webhook_url_problem(url)`: why a webhook URL is refused (None when it is fine).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

#: first retry after this long; each further retry waits twice as long as the one before
BASE_DELAY = dt.timedelta(seconds=30)
#: never wait longer than this between two attempts
MAX_DELAY = dt.timedelta(hours=2)
#: attempts in all before a delivery is marked failed
MAX_ATTEMPTS = 6


@dataclass(frozen=True)
class AfterFailure:
    """The state of a delivery after a failed attempt: "pending" again at `next_attempt_at`, or "failed"."""

    status: str
    next_attempt_at: dt.datetime


def backoff(attempts: int, base: dt.timedelta = BASE_DELAY, cap: dt.timedelta = MAX_DELAY) -> dt.timedelta:
    """How long to wait after the attempts-th failed attempt (1 → base, 2 → 2 × base, …, at most cap)."""
    if attempts < 1:
        raise ValueError("backoff follows a failed attempt: attempts >= 1")
    # 2 ** 40 × 30 s is far beyond any cap; bounding the exponent keeps the arithmetic small
    delay: dt.timedelta = base * (2 ** min(attempts - 1, 40))
    return min(cap, delay)


def after_failure(attempts: int, now: dt.datetime, max_attempts: int = MAX_ATTEMPTS,
                  base: dt.timedelta = BASE_DELAY, cap: dt.timedelta = MAX_DELAY) -> AfterFailure:
    """attempts is how many attempts have been made, the failed one included."""
    if attempts >= max_attempts:
        return AfterFailure("failed", now)
    return AfterFailure("pending", now + backoff(attempts, base, cap))


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """"sha256=<hex>" of HMAC-SHA256(secret, "<timestamp>." + body): what X-Chamber-Signature carries."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_webhook(secret: str, timestamp: int, body: bytes, signature: str) -> bool:
    """Whether signature is sign_webhook(secret, timestamp, body) (in constant time)."""
    return hmac.compare_digest(sign_webhook(secret, timestamp, body), signature)


def webhook_url_problem(url: str) -> str | None:
    """Why url cannot be a webhook (in English, for the message catalogue's key), or None."""
    if not url or url != url.strip() or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "empty or contains spaces"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "not http or https"
    if not parts.hostname:
        return "no host"
    if parts.username or parts.password:
        return "credentials in the URL"
    return None

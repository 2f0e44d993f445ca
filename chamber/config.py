"""Configuration: defaults, then the environment, then what create_app() is given."""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any

from .notifications.rules import BASE_DELAY, MAX_ATTEMPTS
from .rules import MAX_UPLOAD_BYTES

MAX_UPLOAD = MAX_UPLOAD_BYTES

#: per client address (Flask-Limiter's syntax; "a;b" means both). The lock-out per account is
#: separate: chamber/rules.py login_lockout.
RATE_LIMITS = {
    # every POST to /login and /api/v1/auth/tokens, whatever the outcome
    "login": "30 per minute;300 per hour",
    # wrong passwords (any account): one address trying many accounts
    "login_failures": "30 per 15 minutes",
    # new API tokens (the account page and the API together)
    "token": "10 per minute;50 per hour",
    # email subscriptions from the public pages and the API (besides 3 confirmation mails an address a day)
    "subscribe": "5 per minute;20 per hour",
}


def instance_path() -> Path:
    return Path(os.environ.get("CHAMBER_INSTANCE", Path.cwd() / "instance")).resolve()


def _secret_key(instance: Path) -> str:
    # Generated once and kept, so sessions survive restarts without anyone setting it.
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # write-then-rename: two workers starting together both end up with one complete key
    tmp = instance / f".secret_key.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    try:
        os.link(tmp, key_file)  # fails if another process won the race; then use its key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return key_file.read_text().strip()


def load(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The app's configuration as a plain dict."""
    overrides = dict(overrides or {})
    instance = Path(overrides.get("INSTANCE_PATH") or instance_path())
    cfg: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'chamber.sqlite'}",
        "MAX_CONTENT_LENGTH": MAX_UPLOAD,
        "DEBUG": os.environ.get("CHAMBER_DEBUG") == "1",
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "WTF_I18N_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "JSON_SORT_KEYS": False,
        # the core's blueprints and jobs; feature packages declare theirs (chamber/features.py)
        "BLUEPRINTS": [
            "chamber.accounts.blueprint",
            "chamber.chambers.blueprint",
            "chamber.trust.blueprint",
            "chamber.notifications.blueprint",
        ],
        # (job, seconds between runs) for the scheduler process
        "JOBS": [
            ("chamber.jobs:prune_login_attempts", 3600),
            ("chamber.trust.jobs:recompute_credit_scores", 900),
            # the outbox: claims due email and webhook deliveries every second (chamber/notifications)
            ("chamber.notifications.jobs:send_pending", 1),
        ],
        # the site's address in links that leave the page; empty: the request's own host, and outside a
        # request (the scheduler's mail) chamber.urls.DEFAULT_PUBLIC_URL (see chamber/urls.py)
        "PUBLIC_URL": os.environ.get("CHAMBER_PUBLIC_URL", ""),
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(days=14),
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATE_LIMITS": dict(RATE_LIMITS),
        # email (chamber/notifications/mail.py): no MAIL_SERVER → each message is written to
        # instance/mail/ instead; `make run` points it at the local catcher
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_TLS": os.environ.get("MAIL_TLS", "none"),  # none | starttls | ssl
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@chamber.example"),
        "MAIL_FROM_NAME": os.environ.get("MAIL_FROM_NAME", "Chamber 商会"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT") or 10),
        # the outbox's sender: batch size, how long a claim lasts before another sender may take the
        # row over, attempts before "failed", the first retry's delay (doubling after each failure)
        "DELIVERY_BATCH": 100,
        # SMTP connections (threads) each sender keeps busy at once
        "DELIVERY_CONNECTIONS": int(os.environ.get("CHAMBER_DELIVERY_CONNECTIONS") or 4),
        "DELIVERY_LEASE_SECONDS": 120,
        "DELIVERY_MAX_ATTEMPTS": MAX_ATTEMPTS,
        "DELIVERY_RETRY_SECONDS": BASE_DELAY.total_seconds(),
        "WEBHOOK_TIMEOUT": 5,
        # the scheduler process (chamber/scheduler.py; announcements too): a task missed by more than the grace while no
        # scheduler ran is marked missed instead of run; the SQLite leader lease; how often it looks
        # for new scheduled tasks
        "MISFIRE_GRACE_SECONDS": int(os.environ.get("CHAMBER_MISFIRE_GRACE_SECONDS") or 3600),
        "SCHEDULER_LEASE_SECONDS": float(os.environ.get("CHAMBER_SCHEDULER_LEASE_SECONDS") or 10),
        "SCHEDULER_POLL_SECONDS": 0.2,
    }
    cfg.update(overrides)
    # cookies only over HTTPS when the site is served over it (CHAMBER_HTTPS=1, or an https public URL)
    cfg.setdefault(
        "SESSION_COOKIE_SECURE",
        os.environ.get("CHAMBER_HTTPS") == "1" or str(cfg["PUBLIC_URL"]).startswith("https://"),
    )
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _secret_key(instance)
    return cfg

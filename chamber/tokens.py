"""API token secrets: made here, shown once, stored only as their hash."""
from __future__ import annotations

import hashlib
import secrets


def hash_token(token: str) -> str:
    """What the database keeps of a token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def client_hash(address: str) -> str:
    """The client address, keyed with the app's secret and hashed: enough to count submissions by, never shown
    or kept in clear."""
    from flask import current_app

    key = str(current_app.config.get("SECRET_KEY", "")).encode()
    return hashlib.sha256(key + b"|" + address.encode()).hexdigest()


def new_token_secret() -> str:
    """A new bearer token (the "chm_" prefix makes leaked ones easy to find)."""
    return "chm_" + secrets.token_urlsafe(32)

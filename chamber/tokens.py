"""API token secrets: made here, shown once, stored only as their hash."""
from __future__ import annotations

import hashlib
import secrets


def hash_token(token: str) -> str:
    """What the database keeps of a token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_secret() -> str:
    """A new bearer token (the "chm_" prefix makes leaked ones easy to find)."""
    return "chm_" + secrets.token_urlsafe(32)

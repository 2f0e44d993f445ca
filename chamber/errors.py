"""Exceptions operations raise; views turn them into 409s (pages: a message by the field)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from flask_babel import gettext as _


class BrokenRule(Protocol):
    """What a rules module raises: a translatable message template and its parameters."""

    @property
    def message(self) -> str: ...

    @property
    def params(self) -> Mapping[str, object]: ...


def rule_message(err: BrokenRule) -> str:
    """Translate a broken rule's message template, then fill in its parameters."""
    return _(err.message) % err.params if err.params else _(err.message)


class Conflict(Exception):
    """The change conflicts with what exists or with the current state (409)."""

    status = 409

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(Exception):
    """The input breaks a rule that needs the database to check (400, by the field)."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RateLimited(Invalid):
    """Too many submissions from one address or email in a while (429): reviews, complaints, subscriptions."""

    status = 429

"""Exceptions operations raise; views turn them into 409s (pages: a message by the field)."""
from __future__ import annotations


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

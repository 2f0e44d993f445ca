"""The words for the campaigns' codes, in the user's language: one place for pages, PDFs and CSVs.

Each function builds its dict once per call; call it once per request, not once per row.
"""
from __future__ import annotations

from flask_babel import gettext as _

from .errors import STATUS_WORDS
from .forms import FESTIVALS, METHODS, PAYMENT_METHOD_CHOICES, TARGETS


def statuses() -> dict[str, str]:
    """Campaign statuses, as badges and headings show them (errors.STATUS_WORDS)."""
    return {status: str(words.label) for status, words in STATUS_WORDS.items()}


def expense_categories() -> dict[str, str]:
    """The words for the expense categories people and the demo type as codes ("printing", "ads"); a category
    typed in words ("海报印刷") is shown as typed."""
    return {
        "printing": _("Printing"), "ads": _("Advertising"), "advertising": _("Advertising"), "venue": _("Venue"),
        "design": _("Design"), "delivery": _("Delivery"), "prizes": _("Prizes"), "gifts": _("Gifts"),
        "photography": _("Photography"), "other": _("Other"),
    }


def expense_category(category: str | None) -> str:
    """One expense category in words (see expense_categories)."""
    return expense_categories().get((category or "").strip().lower(), category or "")


def entry_types() -> dict[str, str]:
    """Kinds of ledger entry."""
    return {
        "pledge": _("Pledge"), "payment": _("Payment"), "expense": _("Expense"), "refund": _("Refund"),
        "reversal": _("Reversal"), "carry_to_fund": _("To the chamber's fund"),
        "write_off": _("Written off"),
    }


def payment_methods() -> dict[str, str]:
    """How a member paid."""
    return {c.value: str(c.label) for c in PAYMENT_METHOD_CHOICES}


def festivals() -> dict[str, str]:
    return {c.value: str(c.label) for c in FESTIVALS}


def methods() -> dict[str, str]:
    """How a budget is shared."""
    return {c.value: str(c.label) for c in METHODS}


def moves() -> dict[str, str]:
    """The buttons that move a campaign to a status."""
    return {c.value: str(c.label) for c in TARGETS}


def qr_kinds() -> dict[str, str]:
    """What a collection QR code is for."""
    return {"wechat_pay": _("WeChat Pay"), "alipay": _("Alipay")}

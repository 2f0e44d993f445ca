"""The words for the campaigns' codes, in the user's language: one place for pages, PDFs and CSVs.

Each function builds its dict once per call; call it once per request, not once per row.
"""
from __future__ import annotations

from flask_babel import gettext as _

from .forms import FESTIVALS, METHODS, PAYMENT_METHOD_CHOICES, TARGETS


def statuses() -> dict[str, str]:
    """Campaign statuses, as badges and headings show them."""
    return {
        "draft": _("Draft"), "open": _("Opt-in open"), "locked": _("Locked"), "live": _("Live"),
        "ended": _("Ended"), "settled": _("Settled"), "cancelled": _("Cancelled"),
    }


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

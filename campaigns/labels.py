"""The words for the campaigns' codes, in the user's language: one place for pages, PDFs, CSVs and the forms'
choices (forms.py builds them from the dicts below).

Each function builds its dict once per call; call it once per request, not once per row.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .errors import STATUS_WORDS
from .rules import FESTIVALS, MOVE_TARGETS, PAYMENT_METHODS, QR_KINDS, SHARE_METHODS

#: the words for rules.FESTIVALS
FESTIVAL_WORDS = {"double11": _l("Double 11 (双十一)"), "double12": _l("Double 12 (双十二)"),
                  "618": _l("618 shopping festival"), "womens_day": _l("Women's Day (三八)"),
                  "spring_festival": _l("Spring Festival (春节)"), "mid_autumn": _l("Mid-Autumn Festival (中秋)"),
                  "custom": _l("Other")}
#: the words for rules.SHARE_METHODS
SHARE_METHOD_WORDS = {"tier": _l("By size tier"), "revenue": _l("By declared annual revenue"),
                      "equal": _l("Equal shares")}
#: the words for rules.PAYMENT_METHODS, and so for rules.QR_KINDS (the methods a collection QR code is for)
PAYMENT_WORDS = {"wechat_pay": _l("WeChat Pay"), "alipay": _l("Alipay"), "bank_transfer": _l("Bank transfer"),
                 "cash": _l("Cash")}
#: the words for the moves to rules.MOVE_TARGETS (buttons: verbs, unlike the statuses' words)
MOVE_WORDS = {"open": _l("Open for opt-in"), "locked": _l("Lock the shares"), "live": _l("Go live"),
              "ended": _l("End"), "settled": _l("Settle"), "cancelled": _l("Cancel")}


def _words(codes: tuple[str, ...], words: Mapping[str, object]) -> dict[str, str]:
    return {code: str(words[code]) for code in codes}


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
    return _words(PAYMENT_METHODS, PAYMENT_WORDS)


def festivals() -> dict[str, str]:
    return _words(FESTIVALS, FESTIVAL_WORDS)


def methods() -> dict[str, str]:
    """How a budget is shared."""
    return _words(SHARE_METHODS, SHARE_METHOD_WORDS)


def moves() -> dict[str, str]:
    """The buttons that move a campaign to a status."""
    return _words(MOVE_TARGETS, MOVE_WORDS)


def qr_kinds() -> dict[str, str]:
    """What a collection QR code is for."""
    return _words(QR_KINDS, PAYMENT_WORDS)

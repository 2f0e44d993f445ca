"""Campaign errors and the words of their messages (rule errors translated, statuses named)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _

from chamber.errors import Invalid
from chamber.rules import display_money, plain_decimal

from .rules import RuleError

#: RuleError parameters that are amounts in minor units (formatted as money in messages)
MONEY_PARAMS = frozenset({"budget", "min_share", "cap", "needed", "covered", "amount", "paid", "pooled", "min_pooled"})


class NotAMerchant(Invalid):
    """The user has no approved business in the chamber to act for (403)."""

    status = 403


class ReceiptTooLarge(Invalid):
    """A receipt above 5 MB (the API answers 413)."""

    status = 413


class QrTooLarge(Invalid):
    """A collection QR image above 2 MB (413)."""

    status = 413


class OfferImageTooLarge(Invalid):
    """An offer picture above 2 MB (413)."""

    status = 413


def campaign_rule_message(err: RuleError, currency: str) -> str:
    """Translate a campaigns.rules RuleError and fill in its params, amounts formatted as money."""
    params = {}
    for key, value in err.params.items():
        if key in MONEY_PARAMS and isinstance(value, int) and not isinstance(value, bool):
            value = display_money(value, currency)
        elif isinstance(value, Decimal):
            value = plain_decimal(value)
        params[key] = value
    return _(err.message) % params


def status_name(status: str) -> str:
    names = {
        "draft": _("a draft"), "open": _("open"), "locked": _("locked"), "live": _("live"),
        "ended": _("ended"), "settled": _("settled"), "cancelled": _("cancelled"),
    }
    return names.get(status, status)

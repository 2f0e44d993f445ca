"""Campaign errors and the words of their messages (rule errors translated, statuses named)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from chamber.errors import Invalid
from chamber.rules import display_money, plain_decimal

from .rules import RuleError

#: RuleError parameters that are amounts in minor units (formatted as money in messages)
MONEY_PARAMS = frozenset({"budget", "min_share", "cap", "needed", "covered", "amount", "paid", "pooled", "min_pooled"})


class NotAMerchant(Invalid):
    """The user has no approved business in the chamber to act for (403)."""

    status = 403


class ReceiptTooLarge(Invalid):
    """A receipt above rules.MAX_RECEIPT_BYTES (the API answers 413)."""

    status = 413


class QrTooLarge(Invalid):
    """A collection QR image above models.MAX_QR (413)."""

    status = 413


class OfferImageTooLarge(Invalid):
    """An offer picture above models.MAX_OFFER_IMAGE (413)."""

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


class StatusWords(NamedTuple):
    """A campaign status in words: as a badge or heading shows it, and as a sentence names it."""

    label: Any  # "Opt-in open" (a lazy string)
    in_sentence: Any  # "The campaign is now %(status)s." → "open", "… is already a draft"


#: every campaign status (rules.CAMPAIGN_STATUSES) in words, written once; labels.statuses() and
#: status_name() both read it (tests/campaigns/test_vocabulary.py)
STATUS_WORDS: dict[str, StatusWords] = {
    "draft": StatusWords(_l("Draft"), _l("a draft")),
    "open": StatusWords(_l("Opt-in open"), _l("open")),
    "locked": StatusWords(_l("Locked"), _l("locked")),
    "live": StatusWords(_l("Live"), _l("live")),
    "ended": StatusWords(_l("Ended"), _l("ended")),
    "settled": StatusWords(_l("Settled"), _l("settled")),
    "cancelled": StatusWords(_l("Cancelled"), _l("cancelled")),
}


def status_name(status: str) -> str:
    """A campaign status as a sentence names it ("The campaign is now locked.")."""
    words = STATUS_WORDS.get(status)
    return str(words.in_sentence) if words else status

"""Errors of the pricing alliance and the words of their messages (rule errors translated)."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

from flask_babel import gettext as _

from chamber.errors import Invalid
from chamber.rules import display_money

from . import rules
from .rules import RuleError

#: RuleError parameters that are amounts in minor units (formatted as money in messages)
MONEY_PARAMS = frozenset({"price", "cap", "supplier", "found"})


class NotParticipant(Invalid):
    """The caller's business does not take part in the campaign (404: nothing to see)."""

    status = 404


def not_participant() -> NotParticipant:
    """The refusal of a business that does not take part in the campaign."""
    return NotParticipant(_("Only the campaign's participants can do this."))


def alliance_rule_message(err: RuleError, currency: str) -> str:
    """Translate a pricing_alliance.rules RuleError, amounts as money, shares as percentages."""
    params: dict[str, Any] = {}
    for key, value in err.params.items():
        if key == "field":
            continue
        if key in MONEY_PARAMS and isinstance(value, int):
            value = display_money(value, currency)
        elif isinstance(value, Fraction):
            value = rules.format_share(value)
        params[key] = value
    return _(err.message) % params if params else _(err.message)


def rule_invalid(err: RuleError, currency: str) -> Invalid:
    """A RuleError as the Invalid (400) the views show, by its field when it names one."""
    return Invalid(alliance_rule_message(err, currency), field=str(err.params.get("field") or "") or None)

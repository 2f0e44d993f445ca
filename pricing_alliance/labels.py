"""The words for the pricing alliance's codes, in the user's language: one place for pages and PDFs."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _

from .forms import CHOICE_LABELS, WEIGHTING_LABELS


def statuses() -> dict[str, str]:
    """Proposal statuses."""
    return {"open": _("open for votes"), "adopted": _("adopted"), "rejected": _("rejected"),
            "no_quorum": _("no quorum")}


def problems() -> dict[str, str]:
    """What is wrong with a listed price."""
    return {"below_floor": _("below the alliance band"), "above_ceiling": _("above the alliance band"),
            "above_markup_cap": _("above the mark-up cap")}


def choices() -> dict[str, str]:
    """Votes."""
    return {c.value: str(c.label) for c in CHOICE_LABELS}


def weightings() -> dict[str, str]:
    """How votes are weighted."""
    return {c.value: str(c.label) for c in WEIGHTING_LABELS}


def share(value: Fraction | float) -> str:
    """A share as a percentage for people: 50 %, 66.7 %."""
    pct = Fraction(value) * 100
    if pct.denominator == 1:
        return f"{pct.numerator} %"
    return f"{Decimal(pct.numerator) / Decimal(pct.denominator):.1f} %"


def plain_fraction(value: Fraction) -> str:
    """A weight as a plain decimal (4 and 2.5, never 5/2)."""
    if value.denominator == 1:
        return str(value.numerator)
    return format((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.0001")).normalize(), "f")

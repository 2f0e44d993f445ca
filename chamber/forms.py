"""Form fields shared by every package: money, USCC, bounded text."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import ValidationError

from .errors import rule_message
from .rules import RuleError, check_uscc, parse_money, parse_weight


class MoneyField(StringField):
    """A decimal amount in the form's currency, kept as integer minor units in .minor."""

    openapi_format = "decimal"

    def __init__(self, *args: Any, allow_negative: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allow_negative = allow_negative
        self.minor: int | None = None

    @property
    def amount(self) -> int:
        """The validated amount in minor units, for a field the form requires."""
        if self.minor is None:
            raise ValueError(f"{self.name} has no amount: validate the form first (with DataRequired)")
        return self.minor

    def pre_validate(self, form: Any) -> None:
        self.minor = None
        if self.data in (None, ""):
            return
        try:
            self.minor = parse_money(self.data, getattr(form, "currency", "CNY"), allow_negative=self.allow_negative)
        except RuleError as err:
            raise ValidationError(rule_message(err)) from None


class WeightField(StringField):
    """A positive decimal weight, kept as a Decimal in .weight."""

    openapi_format = "decimal"

    def pre_validate(self, form: Any) -> None:
        self.weight = None
        if self.data in (None, ""):
            return
        try:
            self.weight = parse_weight(self.data)
        except RuleError as err:
            raise ValidationError(rule_message(err)) from None


def uscc_validator(_form: Any, field: Any) -> None:
    try:
        field.data = check_uscc(field.data or "")
    except RuleError as err:
        raise ValidationError(rule_message(err)) from None


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


REQUIRED = _l("This field is required.")

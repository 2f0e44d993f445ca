"""Form fields shared by every package: money, USCC, bounded text; BaseForm, the base of every form."""
from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from typing import Any, ClassVar

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import DecimalField, FileField, FloatField, PasswordField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from .errors import rule_message
from .rules import RuleError, check_uscc, parse_amount_words, parse_money, parse_weight, with_web_scheme

#: bidirectional embeddings, overrides and isolates: they make text read differently from how it is stored
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: letters that render as nothing (Hangul fillers, the braille blank)
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")


class NotText(str):
    """What a text field gets in place of a file part or a non-text JSON value: empty, and marked."""


def _as_text_only(formdata: Any, file_fields: set[str]) -> MultiDict:
    """formdata with every value that is not text (an uploaded file, a JSON number or object) as NotText,
    except in the form's file fields; fields then process it as empty and say why (BaseForm.process)."""
    items = []
    for key, value in formdata.items(multi=True):
        if not isinstance(value, str) and key not in file_fields:
            value = NotText()
        items.append((key, value))
    return MultiDict(items)


def visible_text_problem(value: str, *, one_line: bool) -> str | None:
    """Why this text cannot be kept (control characters, direction overrides, nothing visible), or None."""
    for char in value:
        if char in LINE_BREAKS:
            if one_line or char not in "\n\r":
                return _("Write this on one line.") if one_line else _("Use ordinary line breaks only.")
        elif char in BIDI_CONTROLS or (unicodedata.category(char) == "Cc" and char != "\t"):
            return _("Remove the invisible control character %(code)s.", code=f"U+{ord(char):04X}")
        elif char == "\t" and one_line:
            return _("Write this on one line.")
    if not any(unicodedata.category(c)[0] in "LNPS" and c not in BLANK_LETTERS for c in value):
        return _("Write some visible text: this has only invisible characters.")
    return None


def plain_text(_form: Any, field: Any) -> None:
    """Every text field's last check (added by BaseForm): printable, visible text."""
    if isinstance(field.data, str) and field.data:
        problem = visible_text_problem(field.data, one_line=not isinstance(field, TextAreaField))
        if problem:
            raise ValidationError(problem)


class BaseForm(FlaskForm):
    """The base of every form of the app, on pages and in the API (validate_json).

    Text fields take printable, visible text only (plain_text); a file sent for a text field, a
    JSON number or object where text belongs, or a decimal that is not a finite number is an error
    by the field, never a crash. tests/test_hostile_input.py checks that every form derives from it.
    """

    def __init__(self, formdata: Any = _Auto, *, currency: str | None = None, timezone: str | None = None,
                 **kwargs: Any) -> None:
        #: the chamber's currency (money fields) and time zone (local times, "today"): given by the
        #: view, never assumed — a field that needs one raises TypeError without it (form_context)
        self.chamber_currency = currency
        self.chamber_timezone = timezone
        super().__init__(formdata, **kwargs)

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto:
                if not _is_submitted():
                    return None
                if request.files:
                    return CombinedMultiDict((request.files, request.form))
                if request.form:
                    return request.form
                body = request.get_json(silent=True) if request.is_json else None
                return MultiDict(body) if isinstance(body, dict) else None
            return formdata

    def process(self, formdata: Any = None, obj: Any = None, data: Any = None, extra_filters: Any = None,
                **kwargs: Any) -> None:
        formdata = self.meta.wrap_formdata(self, formdata)
        if formdata is not None:
            files = {f.name for f in self._fields.values() if isinstance(f, FileField)}
            formdata = _as_text_only(formdata, files)
        super().process(formdata, obj, data, extra_filters, **kwargs)
        #: fields whose value was refused while processing, and why (the only message they show)
        self.refused: dict[str, str] = {}
        for name, field in self._fields.items():
            if any(isinstance(v, NotText) for v in getattr(field, "raw_data", None) or ()):
                self.refused[name] = _("Send this field as text, not as a file or a value of another kind.")
            elif isinstance(field, (DecimalField, FloatField)) and field.data is not None and not _finite(field.data):
                self.refused[name] = _("Give a number such as 12.5.")
            if name in self.refused:
                field.data = None

    def validate(self, extra_validators: Any = None) -> bool:
        _share_context(self)
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                extra.setdefault(name, []).append(plain_text)
        valid = super().validate(extra)
        for name, message in self.refused.items():
            self._fields[name].errors = [message]  # not "This field is required." for a file sent as text
        return valid and not self.refused


    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field id, label, first message) of each field with an error, in the form's order.

        For the summary at the top of a refused form (templates/_macros.html form_errors, which
        calls this before the fields are rendered): the first field with an error is rendered with
        ``autofocus``, so the browser puts the cursor there without any script.
        """
        items = []
        for name, field in self._fields.items():
            if name == "csrf_token" or not field.errors:
                continue
            errors = field.errors
            message = errors[0] if isinstance(errors, (list, tuple)) and errors and isinstance(errors[0], str) \
                else _("Check the entries of this field.")
            items.append((field.id, str(field.label.text), str(message)))
            if len(items) == 1 and not getattr(field, "entries", None):
                field.render_kw = {**(field.render_kw or {}), "autofocus": True}
        return items


def _share_context(form: Any) -> None:
    """Give nested forms (FormField, FieldList of FormField) the form's currency and time zone."""
    for field in form._fields.values():
        subforms = [getattr(e, "form", None) for e in getattr(field, "entries", ())] + [getattr(field, "form", None)]
        for sub in subforms:
            if isinstance(sub, BaseForm):
                sub.chamber_currency = sub.chamber_currency or form.chamber_currency
                sub.chamber_timezone = sub.chamber_timezone or form.chamber_timezone
                _share_context(sub)


def form_context(form: Any, name: str) -> str:
    """The form's chamber currency or time zone (name "currency" or "timezone"); never a default.

    A form whose fields need one is made with it: ``PaymentForm(currency=…, timezone=…)`` or
    ``validate_json(PaymentForm, currency=…, timezone=…)``; without it this raises TypeError.
    """
    value = getattr(form, f"chamber_{name}", None)
    if not value:
        raise TypeError(f"{type(form).__name__} needs the chamber's {name}: {type(form).__name__}({name}=…)")
    return str(value)


def _finite(value: Any) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def openapi(**keywords: Any) -> Any:
    """Attach JSON Schema keywords to a validator (a function, a form's validate_<field> or a class)
    for the OpenAPI document, which chamber.api derives from the forms: say what the check accepts."""

    def mark(check: Any) -> Any:
        check.openapi = keywords
        return check

    return mark


class Nullable(Optional):
    """Optional, and in the API a JSON null means the same as leaving the field out (documented as
    nullable). Elsewhere null is refused: a field that answers null in the API takes null back."""

    field_flags: ClassVar[dict[str, bool]] = {"optional": True, "nullable": True}


class ItemCount:
    """How many entries a FieldList may have, with the messages to say so (and minItems/maxItems)."""

    def __init__(self, min: int, max: int, too_few: Any, too_many: Any) -> None:
        self.min, self.max, self.too_few, self.too_many = min, max, too_few, too_many
        self.openapi = {"minItems": min, "maxItems": max}

    def __call__(self, _form: Any, field: Any) -> None:
        if len(field.entries) < self.min:
            raise ValidationError(self.too_few)
        if len(field.entries) > self.max:
            raise ValidationError(self.too_many)


#: what MoneyField accepts, for the OpenAPI document (at most 2 decimals: CNY and every currency but JPY)
MONEY_PATTERN = r"^[¥￥]?([0-9]{1,15}|[0-9]{1,3}([,，][0-9]{3}){1,4})(\.[0-9]{1,2})?$"


class MoneyField(StringField):
    """A decimal amount in the form's currency, kept as integer minor units in .minor."""

    openapi: ClassVar[dict[str, str]] = {"format": "decimal", "pattern": MONEY_PATTERN,
               "description": "A decimal string with at most the currency's minor digits, e.g. \"1250.00\" (CNY); "
                              "a leading ¥ and thousands separators are accepted (\"¥12,000.00\")."}

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
            self.minor = parse_money(self.data, form_context(form, "currency"), allow_negative=self.allow_negative)
        except RuleError as err:
            raise ValidationError(rule_message(err)) from None


class AmountWordsField(MoneyField):
    """An amount as people type it ("36万", "120,000", "1.2亿"), kept as minor units in .minor (parse_amount_words)."""

    openapi: ClassVar[dict[str, str]] = {
        "format": "decimal",
        "pattern": r"^[¥￥]?([0-9]{1,15}(\.[0-9]+)?|[0-9]{1,3}([,，][0-9]{3})+(\.[0-9]+)?)[千万亿]?元?$",
        "description": "A decimal string (\"360000.00\"), also with thousands separators (\"360,000\") or in "
                       "千/万/亿 (\"36万\", \"1.2亿\").",
    }

    def pre_validate(self, form: Any) -> None:
        self.minor = None
        if self.data in (None, ""):
            return
        try:
            self.minor = parse_amount_words(self.data, form_context(form, "currency"))
        except RuleError as err:
            raise ValidationError(rule_message(err)) from None


class WeightField(StringField):
    """A positive decimal weight, kept as a Decimal in .weight."""

    openapi: ClassVar[dict[str, str]] = {"format": "decimal", "pattern": r"^[0-9]{1,6}(\.[0-9]{1,4})?$",
               "description": "A positive decimal string with at most 4 decimals, e.g. \"2.5\"."}

    def pre_validate(self, form: Any) -> None:
        self.weight = None
        if self.data in (None, ""):
            return
        try:
            self.weight = parse_weight(self.data)
        except RuleError as err:
            raise ValidationError(rule_message(err)) from None


@openapi(pattern=r"^[1-9ANYany][0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y][0-9]{6}[0-9A-HJ-NP-RTUW-Ya-hj-np-rtuw-y]{10}$",
         description="Unified Social Credit Code (GB 32100-2015): 18 characters with a valid check character.")
def uscc_validator(_form: Any, field: Any) -> None:
    try:
        field.data = check_uscc(field.data or "")
    except RuleError as err:
        raise ValidationError(rule_message(err)) from None


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def web_link(value: Any) -> Any:
    """A link as typed, with https:// in front when it has no scheme (rules.with_web_scheme)."""
    return with_web_scheme(value) if isinstance(value, str) else value


REQUIRED = _l("This field is required.")

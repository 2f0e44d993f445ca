"""WTForms of the pricing alliance, used by the pages and (through chamber.api) the JSON API.

As in campaigns, context the validators need is set on the form before validating:
the form's ``currency`` (money) and ``timezone`` (closing times), constructor arguments.

A validated form hands the operation its values, typed, through its ``…_fields()`` method (one
place for the page and the API): a required field is narrowed there to its value (``_validated``).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypedDict, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from campaigns.forms import ID_RANGE, LocalDateTimeField
from chamber.forms import BaseForm, MoneyField, Nullable, strip
from chamber.rules import megabytes

from . import rules
from .models import MAX_IMAGE, MAX_QUANTITY

CHOICE_LABELS = [
    SelectChoice("approve", _l("Approve")),
    SelectChoice("reject", _l("Reject")),
    SelectChoice("abstain", _l("Abstain")),
]
WEIGHTING_LABELS = [
    SelectChoice("member", _l("One member, one vote")),
    SelectChoice("tier", _l("By size tier weight")),
]
QUANTITY_RANGE = NumberRange(min=1, max=MAX_QUANTITY, message=_l("The quantity must be a whole number above zero."))

T = TypeVar("T")


def _validated(value: T | None, name: str) -> T:
    """A required field's parsed value once the form has validated (None only if it was not)."""
    if value is None:
        raise ValueError(f"{name} has no value: validate the form first (the field is required)")
    return value


# what the forms hand the operations (their …_fields() methods)


class ProductFields(TypedDict):
    name: str
    unit: str
    category: str
    reference_price_minor: int | None


class PriceFields(TypedDict):
    price_minor: int
    original_price_minor: int | None


class ProposalFields(TypedDict):
    price_minor: int
    floor_minor: int | None
    ceiling_minor: int | None
    closes_at: dt.datetime


class SupplierPriceFields(TypedDict):
    unit_price_minor: int
    tiers: list[tuple[int, int]]
    supplier: str
    delivery_notes: str


class SettingsFields(TypedDict):
    weighting: str
    quorum: Fraction
    threshold: Fraction
    lookback_days: int
    max_markup_pct: Decimal | None


def _positive(_form: Any, field: Any) -> None:
    if field.minor is not None and field.minor <= 0:
        raise ValidationError(_("The price must be more than zero."))


class ShareField(StringField):
    """A share typed as a percentage ("50", "66.5") or a fraction ("2/3"); the exact Fraction in .share."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.share: Fraction | None = None

    def pre_validate(self, form: Any) -> None:
        self.share = None
        if self.data in (None, ""):
            return
        try:
            self.share = rules.parse_share(str(self.data)[:20])
        except rules.RuleError as err:
            raise ValidationError(_(err.message)) from None
        if not 0 <= self.share <= 1:
            raise ValidationError(_("Give a share from 0 to 100 per cent."))


class ProductForm(BaseForm):
    name = StringField(_l("Product"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    unit = StringField(_l("Unit / specification (e.g. 250g)"), validators=[DataRequired(), Length(max=60)],
                       filters=[strip])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=60)], filters=[strip])
    reference_price = MoneyField(_l("Manufacturer's suggested price (optional)"),
                                 validators=[Nullable(), Length(max=20), _positive], filters=[strip])
    image = FileField(_l("Image (JPEG or PNG, at most %(size)s, optional)", size=megabytes(MAX_IMAGE)))

    def product_fields(self) -> ProductFields:
        """The validated values, as create_product takes them (the image is read by the page)."""
        return ProductFields(name=str(self.name.data), unit=str(self.unit.data), category=self.category.data or "",
                             reference_price_minor=self.reference_price.minor)


class PriceForm(BaseForm):
    """A participant's price for a product, with an optional original ("was") price."""

    price = MoneyField(_l("Your price"), validators=[DataRequired(), Length(max=20), _positive], filters=[strip])
    original_price = MoneyField(_l("Original price, for a was/now display (optional)"),
                                validators=[Nullable(), Length(max=20)], filters=[strip])
    member_id = IntegerField(_l("Business"), validators=[Optional(), ID_RANGE])

    def validate_original_price(self, field: Any) -> None:
        if field.minor is not None and self.price.minor is not None and field.minor < self.price.minor:
            raise ValidationError(_("The original price must not be below the price."))

    def price_fields(self) -> PriceFields:
        """The validated prices, as list_price takes them."""
        return PriceFields(price_minor=self.price.amount, original_price_minor=self.original_price.minor)


class ProposalForm(BaseForm):
    product_id = IntegerField(_l("Product"), validators=[InputRequired(), ID_RANGE])
    price = MoneyField(_l("Alliance price"), validators=[DataRequired(), Length(max=20), _positive], filters=[strip])
    floor = MoneyField(_l("Lowest allowed price (optional)"), validators=[Nullable(), Length(max=20), _positive],
                       filters=[strip])
    ceiling = MoneyField(_l("Highest allowed price (optional)"), validators=[Nullable(), Length(max=20), _positive],
                         filters=[strip])
    closes_at = LocalDateTimeField(_l("Voting closes"), validators=[DataRequired(), Length(max=40)], filters=[strip])

    def validate_floor(self, field: Any) -> None:
        if field.minor is not None and self.ceiling.minor is not None and field.minor > self.ceiling.minor:
            raise ValidationError(_("The floor must not be above the ceiling."))

    def validate_price(self, field: Any) -> None:
        if field.minor is None:
            return
        if self.floor.minor is not None and field.minor < self.floor.minor:
            raise ValidationError(_("The price must not be below its own floor."))
        if self.ceiling.minor is not None and field.minor > self.ceiling.minor:
            raise ValidationError(_("The price must not be above its own ceiling."))

    def proposal_fields(self) -> ProposalFields:
        """The validated price, band and closing time, as propose_price takes them (the product is looked up)."""
        return ProposalFields(price_minor=self.price.amount, floor_minor=self.floor.minor,
                              ceiling_minor=self.ceiling.minor, closes_at=_validated(self.closes_at.utc, "closes_at"))


class VoteForm(BaseForm):
    choice = SelectField(_l("Your vote"), choices=CHOICE_LABELS, validators=[DataRequired()])
    member_id = IntegerField(_l("Business"), validators=[Optional(), ID_RANGE])


class DemandForm(BaseForm):
    quantity = IntegerField(_l("Quantity you will buy"), validators=[InputRequired(), QUANTITY_RANGE])
    member_id = IntegerField(_l("Business"), validators=[Optional(), ID_RANGE])


class TierForm(BaseForm):
    class Meta:
        csrf = False

    min_quantity = IntegerField(_l("From a total quantity of"),
                                validators=[InputRequired(), NumberRange(min=2, max=MAX_QUANTITY * 1000,
                                                                         message=_l("A volume tier starts at a quantity of 2 or more."))])  # noqa: E501
    unit_price = MoneyField(_l("Unit price"), validators=[DataRequired(), Length(max=20), _positive], filters=[strip])


class SupplierPriceForm(BaseForm):
    supplier = StringField(_l("Supplier"), validators=[Optional(), Length(max=120)], filters=[strip])
    unit_price = MoneyField(_l("Negotiated unit price"), validators=[DataRequired(), Length(max=20), _positive],
                            filters=[strip])
    delivery_notes = TextAreaField(_l("Delivery notes"), validators=[Optional(), Length(max=4000)], filters=[strip])
    tiers = FieldList(FormField(TierForm), min_entries=0, max_entries=10)

    def tier_values(self) -> list[tuple[int, int]]:
        """(min_quantity, unit price in minor units) of the filled-in tiers."""
        return [(t.min_quantity.data, t.unit_price.minor) for t in self.tiers
                if t.min_quantity.data is not None and t.unit_price.minor is not None]

    def supplier_price_fields(self) -> SupplierPriceFields:
        """The validated price, tiers and notes, as set_supplier_price takes them."""
        return SupplierPriceFields(unit_price_minor=self.unit_price.amount, tiers=self.tier_values(),
                                   supplier=self.supplier.data or "", delivery_notes=self.delivery_notes.data or "")


class SettingsForm(BaseForm):
    weighting = SelectField(_l("Votes count"), choices=WEIGHTING_LABELS, validators=[DataRequired()])
    quorum = ShareField(_l("Quorum: share of the participants' weight that must vote (e.g. 50 or 1/2)"),
                        validators=[DataRequired()], filters=[strip])
    threshold = ShareField(_l("Threshold: share of the non-abstaining weight that must approve (e.g. 2/3)"),
                           validators=[DataRequired()], filters=[strip])
    lookback_days = IntegerField(_l("Days looked back for an original price (7; 30 for the EU rule)"),
                                 validators=[InputRequired(), NumberRange(min=1, max=rules.MAX_LOOKBACK_DAYS,
                                                                          message=_l("Give a number of days from 1 to 90."))])  # noqa: E501
    max_markup_pct = DecimalField(_l("Maximum mark-up over the supplier price, in per cent (optional)"),
                                  validators=[Nullable(), NumberRange(min=0, max=10000,
                                                                      message=_l("Give a percentage from 0 to 10,000."))])  # noqa: E501

    def settings_fields(self) -> SettingsFields:
        """The validated rules, as update_settings takes them."""
        return SettingsFields(weighting=str(self.weighting.data), quorum=_validated(self.quorum.share, "quorum"),
                              threshold=_validated(self.threshold.share, "threshold"),
                              lookback_days=int(self.lookback_days.data), max_markup_pct=self.max_markup_pct.data)

    def validate_threshold(self, field: Any) -> None:
        if getattr(field, "share", None) is not None and field.share <= 0:
            raise ValidationError(_("The threshold must be above 0 and at most 100 per cent."))

    def validate_max_markup_pct(self, field: Any) -> None:
        if field.data is None or field.errors:  # out of range already said (and too large to quantize)
            return
        exponent = field.data.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise ValidationError(_("Use at most 2 decimals."))

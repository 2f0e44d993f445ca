"""Campaign forms, shared by the HTML pages and the JSON API (validate_json).

The chamber's currency (MoneyField) and time zone (LocalDateTimeField, "today") are constructor
arguments, never assumed: ``validate_json(CampaignForm, currency=chamber.currency,
timezone=chamber.timezone)`` or, on a page, ``CampaignForm(currency=…, timezone=…)``.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from chamber.chambers.forms import slug_validator
from chamber.db import utcnow
from chamber.forms import BaseForm, MoneyField, Nullable, form_context, strip
from chamber.rules import MAX_ID, MAX_SLUG, format_money, megabytes

from .labels import FESTIVAL_WORDS, MOVE_WORDS, PAYMENT_WORDS, SHARE_METHOD_WORDS
from .models import MAX_OFFER_IMAGE, MAX_PARTICIPANTS, MAX_QR
from .rules import (
    DEFAULT_SETTLEMENT_MODE,
    FESTIVALS,
    MAX_RECEIPT_BYTES,
    MOVE_TARGETS,
    PAYMENT_METHODS,
    QR_KINDS,
    SETTLEMENT_MODES,
    SHARE_METHODS,
)

ID_RANGE = NumberRange(min=1, max=MAX_ID, message=_l("This is not a valid id."))
#: payments are not recorded before this date (typing mistakes such as 0202 are caught)
EARLIEST_PAYMENT = dt.date(2000, 1, 1)

#: the choices follow the codes of rules.py, named with the words of labels.py (a code without words fails at import)
FESTIVAL_CHOICES = [SelectChoice(festival, FESTIVAL_WORDS[festival]) for festival in FESTIVALS]
SHARE_METHOD_CHOICES = [SelectChoice(method, SHARE_METHOD_WORDS[method]) for method in SHARE_METHODS]
PAYMENT_METHOD_CHOICES = [SelectChoice(method, PAYMENT_WORDS[method]) for method in PAYMENT_METHODS]
QR_KIND_CHOICES = [SelectChoice(kind, PAYMENT_WORDS[kind]) for kind in QR_KINDS]
TARGETS = [SelectChoice(status, MOVE_WORDS[status]) for status in MOVE_TARGETS]
#: the words for rules.SETTLEMENT_MODES (a mode without words fails at import)
_SETTLEMENT_WORDS = {"refund": _l("Refund the remainder in proportion to what each member paid"),
                     "carry": _l("Carry the remainder to the chamber's fund")}
SETTLEMENT_MODE_CHOICES = [SelectChoice(mode, _SETTLEMENT_WORDS[mode]) for mode in SETTLEMENT_MODES]


#: campaign times are typed between these years (year 0001 or 9999 is a typing mistake, and breaks
#: the conversion to and from the chamber's zone)
CAMPAIGN_YEARS = (2000, 2100)


class YearOutOfRange(ValueError):
    """A date outside CAMPAIGN_YEARS."""


def parse_local_datetime(text: str, timezone: str) -> dt.datetime:
    """ISO 8601 → aware UTC; a time without an offset is read in the given zone. ValueError outside CAMPAIGN_YEARS."""
    value = dt.datetime.fromisoformat(text.strip())
    if not CAMPAIGN_YEARS[0] <= value.year <= CAMPAIGN_YEARS[1]:
        raise YearOutOfRange(value.year)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return value.astimezone(dt.timezone.utc)


class LocalDateTimeField(StringField):
    """An ISO 8601 date-time (``2026-11-11T00:00`` or with an offset), kept aware UTC in .utc.

    Without an offset it is read in the form's ``timezone`` (the chamber's zone).  To prefill a page,
    give ``data`` a datetime already converted to the chamber's zone; it is shown as
    ``YYYY-MM-DDTHH:MM``, as ``<input type="datetime-local">`` wants.
    """

    openapi: ClassVar[dict[str, str]] = {
        "pattern": r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
                   r"(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
        "description": "ISO 8601 date and time between the years 2000 and 2100; without an offset it is read in the "
                       "chamber's time zone.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.utc: dt.datetime | None = None

    def _value(self) -> str:
        if isinstance(self.data, dt.datetime):
            return self.data.strftime("%Y-%m-%dT%H:%M")
        return super()._value()

    def pre_validate(self, form: Any) -> None:
        self.utc = None
        if self.data in (None, ""):
            return
        if isinstance(self.data, dt.datetime):
            self.utc = self.data.astimezone(dt.timezone.utc)
            return
        try:
            self.utc = parse_local_datetime(str(self.data)[:40], form_context(form, "timezone"))
        except YearOutOfRange:
            raise ValidationError(_("Give a date between the years %(first)d and %(last)d.",
                                    first=CAMPAIGN_YEARS[0], last=CAMPAIGN_YEARS[1])) from None
        except ValueError:
            raise ValidationError(_("Give a date and time like 2026-11-11T20:00 (ISO 8601).")) from None


def _positive_amount(_form: Any, field: Any) -> None:
    if field.minor is not None and field.minor <= 0:
        raise ValidationError(_("The amount must be more than zero."))


def campaign_prefill(campaign: dict[str, Any]) -> dict[str, Any]:
    """The edit form's values from a campaign (presenters.campaign_data): money as decimal
    strings, times in the chamber's zone."""
    cur, zone = campaign["currency"], ZoneInfo(campaign["timezone"])

    def money(value: int | None) -> str:
        return format_money(value, cur) if value is not None else ""

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return value.astimezone(zone) if value is not None else None

    return {
        "slug": campaign["slug"], "title": campaign["title"], "festival": campaign["festival"],
        "description": campaign["description"], "starts_at": local(campaign["starts_at"]),
        "ends_at": local(campaign["ends_at"]), "optin_deadline": local(campaign["optin_deadline"]),
        "opens_at": local(campaign["opens_at"]), "budget": money(campaign["budget_minor"]),
        "method": campaign["method"], "min_share": money(campaign["min_share_minor"]),
        "min_participants": campaign["min_participants"], "min_pooled": money(campaign["min_pooled_minor"]),
    }


class CampaignForm(BaseForm):
    """Create or edit a campaign.  The API nests method/min_share/max_share_pct under ``apportionment``."""

    #: fields the API nests in an object (chamber.api: validate_json reads them there, the OpenAPI document says so)
    api_groups: ClassVar[dict[str, tuple[str, ...]]] = {"apportionment": ("method", "min_share", "max_share_pct")}

    slug = StringField(_l("Web address (slug)"), validators=[Optional(), Length(max=MAX_SLUG), slug_validator],
                       filters=[strip])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    festival = SelectField(_l("Festival"), choices=FESTIVAL_CHOICES, validators=[DataRequired()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=8000)], filters=[strip])
    starts_at = LocalDateTimeField(_l("Starts"), validators=[DataRequired(), Length(max=40)], filters=[strip])
    ends_at = LocalDateTimeField(_l("Ends"), validators=[DataRequired(), Length(max=40)], filters=[strip])
    optin_deadline = LocalDateTimeField(_l("Opt-in deadline"), validators=[DataRequired(), Length(max=40)],
                                        filters=[strip])
    opens_at = LocalDateTimeField(_l("Open for opt-in automatically at (optional)"),
                                  validators=[Nullable(), Length(max=40)], filters=[strip])
    budget = MoneyField(_l("Budget"), validators=[DataRequired(), Length(max=20), _positive_amount], filters=[strip])
    method = SelectField(_l("Share the budget"), choices=SHARE_METHOD_CHOICES, validators=[DataRequired()])
    min_share = MoneyField(_l("Minimum share (optional)"), validators=[Nullable(), Length(max=20)], filters=[strip])
    max_share_pct = DecimalField(
        _l("Maximum share, in percent of the budget (optional)"),
        validators=[Nullable(), NumberRange(min=Decimal("0.0001"), max=100,
                                            message=_l("Give a percentage above 0 and at most 100."))],
    )
    min_participants = IntegerField(
        _l("Go ahead only with at least this many merchants (optional)"),
        validators=[Nullable(), NumberRange(min=1, max=MAX_PARTICIPANTS,
                                            message=_l("Give a whole number from 1 to 100,000."))],
    )
    min_pooled = MoneyField(_l("Go ahead only if at least this much can be pooled (optional)"),
                            validators=[Nullable(), Length(max=20)], filters=[strip])

    def validate_max_share_pct(self, field: Any) -> None:
        if field.data is not None:
            exponent = field.data.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -4 and field.data != field.data.quantize(Decimal("0.0001")):
                raise ValidationError(_("Use at most 4 decimals."))

    def validate_ends_at(self, field: Any) -> None:
        if field.utc and self.starts_at.utc and field.utc <= self.starts_at.utc:
            raise ValidationError(_("The campaign must end after it starts."))

    def validate_optin_deadline(self, field: Any) -> None:
        if field.utc and self.starts_at.utc and field.utc > self.starts_at.utc:
            raise ValidationError(_("The opt-in deadline must not be after the start."))

    def validate_opens_at(self, field: Any) -> None:
        if field.utc and self.optin_deadline.utc and field.utc >= self.optin_deadline.utc:
            raise ValidationError(_("The campaign must open before the opt-in deadline."))

    def validate_min_pooled(self, field: Any) -> None:
        if field.minor is not None and self.budget.minor is not None and field.minor > self.budget.minor:
            raise ValidationError(_("The minimum pooled amount cannot be more than the budget."))

    def campaign_fields(self) -> dict[str, Any]:
        """The validated values as operations.create_campaign/update_campaign take them."""
        pct = self.max_share_pct.data
        return {
            "slug": self.slug.data,
            "title": self.title.data,
            "festival": self.festival.data,
            "description": self.description.data or "",
            "starts_at": self.starts_at.utc,
            "ends_at": self.ends_at.utc,
            "optin_deadline": self.optin_deadline.utc,
            "opens_at": self.opens_at.utc,
            "budget_minor": self.budget.minor,
            "method": self.method.data,
            "min_share_minor": self.min_share.minor,
            "max_share_pct": pct.normalize() if pct is not None else None,
            "min_participants": self.min_participants.data,
            "min_pooled_minor": self.min_pooled.minor,
        }


class ParticipationForm(BaseForm):
    """Opt in (or update the offer).  A second opt-in from the page just updates the offer.

    ``member_id`` is needed only when the user has several approved businesses in the chamber.
    """

    offer_headline = StringField(_l("Your offer, in one line"), validators=[DataRequired(), Length(max=120)],
                                 filters=[strip])
    offer_details = TextAreaField(_l("Offer details"), validators=[Optional(), Length(max=4000)], filters=[strip])
    member_id = IntegerField(_l("Business"), validators=[Optional(), ID_RANGE])


class ParticipationPageForm(ParticipationForm):
    """The campaign page's opt-in form: the offer, and a picture for the offer card."""

    offer_image = FileField(_l("A picture for your offer card (JPEG, PNG or WebP, at most %(size)s; optional)",
                                    size=megabytes(MAX_OFFER_IMAGE)))
    remove_offer_image = BooleanField(_l("Remove the picture"))


class OfferImageForm(BaseForm):
    """PUT …/participation/image (multipart/form-data): the picture on the member's offer card."""

    image = FileField(_l("Picture (JPEG, PNG or WebP, at most %(size)s)", size=megabytes(MAX_OFFER_IMAGE)))
    member_id = IntegerField(_l("Business"), validators=[Optional(), ID_RANGE])


class TransitionForm(BaseForm):
    to = SelectField(_l("New status"), choices=TARGETS, validators=[DataRequired()])
    mode = StringField(_l("Settlement"),
                       validators=[Optional(), AnyOf(SETTLEMENT_MODES, message=_l("Choose refund or carry."))])
    reason = TextAreaField(_l("Reason (participants see it)"), validators=[Optional(), Length(max=2000)],
                           filters=[strip])


class SettlementForm(BaseForm):
    """Settle: refunding in proportion to payments is the default; carrying to the fund is a choice."""

    mode = RadioField(_l("What happens to the unspent remainder"), choices=SETTLEMENT_MODE_CHOICES,
                      default=DEFAULT_SETTLEMENT_MODE,
                      validators=[DataRequired()])


class PaymentForm(BaseForm):
    """A payment; the form's ``timezone`` (the chamber's zone) decides what "today" is for ``paid_on``."""

    member_id = IntegerField(_l("Member"), validators=[InputRequired(), ID_RANGE])
    amount = MoneyField(_l("Amount"), validators=[DataRequired(), Length(max=20), _positive_amount], filters=[strip])
    method = SelectField(_l("Paid by"), choices=PAYMENT_METHOD_CHOICES, validators=[DataRequired()])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=120)], filters=[strip])
    paid_on = DateField(_l("Paid on"), validators=[DataRequired()])

    def validate_paid_on(self, field: Any) -> None:
        if field.data is None:
            return
        today = utcnow().astimezone(ZoneInfo(form_context(self, "timezone"))).date()
        if field.data > today:
            raise ValidationError(_("The payment date cannot be in the future."))
        if field.data < EARLIEST_PAYMENT:
            raise ValidationError(_("Give a date from 2000-01-01 on."))


class ExpenseForm(BaseForm):
    payee = StringField(_l("Paid to"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    category = StringField(_l("Category"), validators=[DataRequired(), Length(max=40)], filters=[strip])
    amount = MoneyField(_l("Amount"), validators=[DataRequired(), Length(max=20), _positive_amount], filters=[strip])
    description = TextAreaField(_l("What for"), validators=[Optional(), Length(max=4000)], filters=[strip])
    receipt = FileField(_l("Receipt (PDF, JPEG or PNG, at most %(size)s)", size=megabytes(MAX_RECEIPT_BYTES)))


class ReversalForm(BaseForm):
    reason = TextAreaField(_l("Why is this entry reversed?"), validators=[DataRequired(), Length(max=2000)],
                           filters=[strip])


class WriteOffForm(BaseForm):
    """Give up collecting what a member owes: all of it (no amount) or part of it, always with a reason."""

    member_id = IntegerField(_l("Member"), validators=[InputRequired(), ID_RANGE])
    amount = MoneyField(_l("Amount (empty: all that is still owed)"),
                        validators=[Optional(), Length(max=20), _positive_amount], filters=[strip])
    reason = TextAreaField(_l("Why is it written off?"), validators=[DataRequired(), Length(max=2000)],
                           filters=[strip])


class RefundPayoutForm(PaymentForm):
    """A refund's money paid back: how, its reference, when (the member and amount are the refund's)."""

    member_id = None
    amount = None  # type: ignore[assignment]
    method = SelectField(_l("Paid back by"), choices=PAYMENT_METHOD_CHOICES, validators=[DataRequired()])
    paid_on = DateField(_l("Paid back on"), validators=[DataRequired()])


class CollectionForm(BaseForm):
    """How members pay the chamber: account text, and a collection QR image (a file on the page)."""

    account = TextAreaField(_l("Account for payments"), validators=[Optional(), Length(max=2000)], filters=[strip],
                            description=_l("E.g. bank, account name and number, or where to pay in cash."))
    qr_kind = SelectField(_l("The QR code is for"), choices=QR_KIND_CHOICES, validators=[Optional()])
    qr = FileField(_l("Collection QR code (PNG or JPEG, at most %(size)s)", size=megabytes(MAX_QR)))
    remove_qr = BooleanField(_l("Remove the QR code"))

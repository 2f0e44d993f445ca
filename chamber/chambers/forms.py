from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..errors import rule_message
from ..forms import (
    AmountWordsField,
    BaseForm,
    ItemCount,
    WeightField,
    openapi,
    strip,
    uscc_validator,
    web_link,
)
from ..models import CHAMBER_KINDS
from ..rules import (
    CURRENCY_DIGITS,
    MAX_ID,
    MAX_SLUG,
    NEW_CHAMBER_CURRENCY,
    NEW_CHAMBER_TIMEZONE,
    SLUG_RE,
    WECHAT_ID,
    RuleError,
    check_slug,
)

MAX_TIERS = 20
#: the words for chamber.models.CHAMBER_KINDS (a kind without words fails at import)
KIND_WORDS = {"regional": _l("Regional chamber"), "brand": _l("Brand alliance")}
KINDS = [SelectChoice(kind, KIND_WORDS[kind]) for kind in CHAMBER_KINDS]
#: the zones the time zone field suggests (any IANA zone is accepted)
COMMON_ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "UTC"]


@openapi(pattern=f"^{SLUG_RE.pattern}$")
def slug_validator(_form: Any, field: Any) -> None:
    try:
        check_slug(field.data or "")
    except RuleError as err:
        raise ValidationError(rule_message(err)) from None


#: IANA area/city names and UTC: available_timezones() also lists "localtime", "Factory", "posixrules"…
_PSEUDO_ZONES = ("Etc/", "posix/", "right/", "SystemV/")
TIME_ZONES = sorted({z for z in available_timezones() if "/" in z and not z.startswith(_PSEUDO_ZONES)} | {"UTC"})
_TIME_ZONES = frozenset(TIME_ZONES)


@openapi(enum=TIME_ZONES)
def zone_validator(_form: Any, field: Any) -> None:
    if (field.data or "") not in _TIME_ZONES:
        raise ValidationError(_l("Unknown time zone; use an IANA name such as Asia/Shanghai."))


class ChamberForm(BaseForm):
    #: the time zone field's suggestions (the page's datalist)
    common_zones: ClassVar[list[str]] = COMMON_ZONES

    slug = StringField(_l("Web address (slug)"), validators=[DataRequired(), Length(max=MAX_SLUG), slug_validator],
                       filters=[strip])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    kind = SelectField(_l("Kind"), choices=KINDS, validators=[DataRequired()])
    region = StringField(_l("Region"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c) for c in CURRENCY_DIGITS],
                           default=NEW_CHAMBER_CURRENCY)
    timezone = StringField(_l("Time zone"), default=NEW_CHAMBER_TIMEZONE,
                           validators=[Optional(), Length(max=64), zone_validator], filters=[strip])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)], filters=[strip])

    def chamber_fields(self) -> dict[str, Any]:
        """The validated values, as create_chamber takes them."""
        return {
            "slug": self.slug.data,
            "name": self.name.data,
            "kind": self.kind.data,
            "region": self.region.data,
            "currency": self.currency.data or NEW_CHAMBER_CURRENCY,
            "timezone": self.timezone.data or NEW_CHAMBER_TIMEZONE,
            "description": self.description.data or "",
        }


class TierRow(BaseForm):
    class Meta:
        csrf = False  # a row inside TiersForm, which carries the token

    #: made from the name for a new tier (chamber/slugs.py); a hidden field on the page
    key = StringField(_l("Key"), validators=[Optional(), Length(max=MAX_SLUG), slug_validator], filters=[strip])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)], filters=[strip])
    weight = WeightField(_l("Weight"), validators=[DataRequired(), Length(max=12)], filters=[strip])


class TiersForm(BaseForm):
    # no max_entries: WTForms would silently drop the rows past it; too many is an error instead
    items = FieldList(FormField(TierRow), min_entries=0, validators=[
        ItemCount(1, MAX_TIERS, _l("Define at least one tier."), _l("At most %(n)d tiers.", n=MAX_TIERS))])

    def validate_items(self, field: Any) -> None:
        keys = [row.form.key.data for row in field.entries if row.form.key.data]
        if len(set(keys)) != len(keys):
            raise ValidationError(_l("Each tier needs its own key."))
        names = [row.form.name.data for row in field.entries]
        if len(set(names)) != len(names):
            raise ValidationError(_l("Each tier needs its own name."))


class ApplicationForm(BaseForm):
    business_name = StringField(_l("Business name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    uscc = StringField(_l("Unified Social Credit Code"), validators=[DataRequired(), Length(max=40), uscc_validator],
                       filters=[strip])
    contact_name = StringField(_l("Contact name"), validators=[DataRequired(), Length(max=80)], filters=[strip])
    phone = StringField(_l("Phone"), validators=[DataRequired(), Length(min=5, max=32)], filters=[strip])
    shop_url = StringField(
        _l("Shop link"), filters=[strip, web_link],
        validators=[Optional(), Length(max=500), URL(message=_l("Enter a web address starting with http:// or https://."))],
    )
    annual_revenue = AmountWordsField(_l("Declared annual revenue"), validators=[DataRequired(), Length(max=30)],
                                      filters=[strip])

    def application_fields(self) -> dict[str, Any]:
        """The validated values, as apply_for_membership takes them."""
        return {
            "business_name": self.business_name.data,
            "uscc": self.uscc.data,
            "contact_name": self.contact_name.data,
            "phone": self.phone.data,
            "shop_url": self.shop_url.data or "",
            "annual_revenue_minor": self.annual_revenue.minor,
        }

    @openapi(pattern=r"^[0-9+\- ()]+$")
    def validate_phone(self, field: Any) -> None:
        if not all(c in "0123456789+- ()" for c in field.data):
            raise ValidationError(_l("A phone number has digits, spaces, +, - and brackets only."))


class ProfileForm(BaseForm):
    """What shoppers see of a merchant on the public pages: where to buy and how to reach them on WeChat."""

    # the same field as in the application: one rule for a shop link
    shop_url = ApplicationForm.shop_url
    wechat_id = StringField(
        _l("WeChat ID"), filters=[strip],
        validators=[Optional(), Length(max=20)],
    )
    #: which of the user's businesses in this chamber (only needed by people with several)
    member_id = IntegerField(_l("Business"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])

    @openapi(pattern=r"^[A-Za-z][-_A-Za-z0-9]{5,19}$")
    def validate_wechat_id(self, field: Any) -> None:
        if field.data and not WECHAT_ID.fullmatch(field.data):
            raise ValidationError(_l("A WeChat ID has 6 to 20 letters, digits, - or _, and starts with a letter."))


DECISIONS = [
    SelectChoice("approve", _l("Approve")),
    SelectChoice("reject", _l("Reject")),
    SelectChoice("suspend", _l("Suspend")),
]


class DecisionForm(BaseForm):
    decision = SelectField(_l("Decision"), choices=DECISIONS, validators=[DataRequired()])
    tier = StringField(_l("Tier"), validators=[Optional(), Length(max=MAX_SLUG)], filters=[strip])
    reason = TextAreaField(_l("Reason (the applicant sees it)"), validators=[Optional(), Length(max=2000)],
                           filters=[strip])


class OrganizerForm(BaseForm):
    member_id = IntegerField(
        _l("Member"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_ID, message=_l("Not a member id."))],
    )

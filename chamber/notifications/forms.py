"""Forms of the delivery service (pages and the JSON API alike)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, FieldList, IntegerField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..forms import BaseForm, openapi, strip
from ..rules import MAX_ID, MAX_SLUG
from .rules import webhook_url_problem


@openapi(format="uri", pattern="^https?://")
def http_url(_form: Any, field: Any) -> None:
    if field.data and webhook_url_problem(field.data):
        raise ValidationError(_l("A webhook URL starts with http:// or https:// and names a host, without spaces "
                                 "or a password."))


class WebhookForm(BaseForm):
    name = StringField(_l("Name (e.g. our WeChat Work group)"), validators=[DataRequired(), Length(max=80)],
                       filters=[strip])
    url = StringField(_l("URL (http:// or https://)"), validators=[DataRequired(), Length(max=500), http_url],
                      filters=[strip])
    secret = StringField(_l("Secret for the signature (leave empty to have one made)"),
                         validators=[Optional(), Length(min=16, max=128)], filters=[strip])


class RetryForm(BaseForm):
    source = StringField(_l("Which deliveries (empty: every failed one)"), validators=[Optional(), Length(max=120)],
                         filters=[strip])


class SubscribeForm(BaseForm):
    """A consumer's email subscription (the public pages are cached and carry no CSRF token; the
    confirmation mail is the proof that the address wants it)."""

    class Meta(BaseForm.Meta):
        csrf = False

    email = EmailField(_l("Your email"), validators=[DataRequired(), Length(max=254),
                                                   Email(_l("Enter an email address such as name@example.cn."))],
                       filters=[strip])
    campaign = StringField(_l("Campaign"), validators=[Optional(), Length(max=MAX_SLUG)], filters=[strip])


class ConfirmSubscriptionForm(BaseForm):
    token = StringField(_l("Token"), validators=[DataRequired(), Length(max=100)], filters=[strip])


class MarkReadForm(BaseForm):
    """Mark inbox messages read: the ids, or every message when none are given."""

    ids = FieldList(IntegerField(validators=[NumberRange(1, MAX_ID)]), max_entries=500)


class PreferenceForm(BaseForm):
    inbox = BooleanField(_l("In the inbox"))
    email = BooleanField(_l("By email"))


class PreferencesPageForm(BaseForm):
    """The preferences page: its checkboxes are named "<kind>|<channel>" (read by the view)."""

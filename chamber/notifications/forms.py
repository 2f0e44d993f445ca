"""Forms of the delivery service (pages and the JSON API alike)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from ..forms import BaseForm, openapi, strip
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

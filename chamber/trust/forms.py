"""Trust forms: a review, a complaint, the merchant's reply and response, the chamber's decisions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import EmailField, IntegerField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..forms import BaseForm, strip
from ..models import PUBLIC_LEDGER
from ..rules import MAX_SLUG, megabytes
from .models import MAX_EVIDENCE, MAX_TEXT

CATEGORY_LABELS = {
    "quality": _l("Quality problem"),
    "refund_refused": _l("Refund refused"),
    "not_delivered": _l("Not delivered"),
    "false_advertising": _l("False advertising"),
    "price": _l("Price (not the price shown)"),
}
DECISION_LABELS = {
    "upheld": _l("Upheld"),
    "dismissed": _l("Dismissed"),
    "resolved": _l("Resolved by agreement"),
}


class ReviewForm(BaseForm):
    rating = IntegerField(
        _l("Rating (1–5 stars)"), validators=[InputRequired(), NumberRange(1, 5, _l("A rating is from 1 to 5 stars."))]
    )
    text = TextAreaField(_l("Your review"), validators=[DataRequired(), Length(max=MAX_TEXT)], filters=[strip])
    email = EmailField(
        _l("Your email (we send a link to confirm; it is never shown)"),
        validators=[DataRequired(), Length(max=254), Email()],
        filters=[strip],
    )
    campaign = StringField(_l("Campaign"), validators=[DataRequired(), Length(max=MAX_SLUG)], filters=[strip])

    def review_fields(self) -> dict[str, Any]:
        """The validated values, as submit_review takes them (the page and the API alike)."""
        return {"rating": self.rating.data, "text": self.text.data, "email": self.email.data}


class ComplaintForm(BaseForm):
    member_id = IntegerField(_l("Merchant"), validators=[InputRequired()])
    campaign = StringField(_l("Campaign"), validators=[Optional(), Length(max=MAX_SLUG)], filters=[strip])
    category = SelectField(
        _l("What went wrong"),
        choices=[SelectChoice(k, v) for k, v in CATEGORY_LABELS.items()],
        validators=[DataRequired()],
    )
    description = TextAreaField(
        _l("What happened"), validators=[DataRequired(), Length(min=10, max=MAX_TEXT)], filters=[strip]
    )
    contact_email = EmailField(
        _l("Your email (for the tracking link and every step; never shown)"),
        validators=[DataRequired(), Length(max=254), Email()],
        filters=[strip],
    )
    evidence = FileField(_l("Evidence (optional: a JPEG, PNG or WebP image up to %(size)s)",
                            size=megabytes(MAX_EVIDENCE)))

    def complaint_fields(self) -> dict[str, Any]:
        """The validated values, as submit_complaint takes them (the page and the API alike)."""
        return {"category": self.category.data, "description": self.description.data, "email": self.contact_email.data}


class ConfirmForm(BaseForm):
    token = StringField(_l("Token"), validators=[DataRequired(), Length(max=100)], filters=[strip])


class ReplyForm(BaseForm):
    text = TextAreaField(
        _l("Your reply (once; it cannot be changed)"),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
        filters=[strip],
    )


class HideForm(BaseForm):
    reason = TextAreaField(
        _l("Why is it hidden? (shown with the review)"), validators=[DataRequired(), Length(max=500)], filters=[strip]
    )


class RespondForm(BaseForm):
    text = TextAreaField(_l("Your response"), validators=[DataRequired(), Length(max=MAX_TEXT)], filters=[strip])


class DecideForm(BaseForm):
    decision = RadioField(
        _l("Decision"), choices=[SelectChoice(k, v) for k, v in DECISION_LABELS.items()], validators=[DataRequired()]
    )
    reason = TextAreaField(
        _l("Reason (the shopper and the merchant see it)"),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
        filters=[strip],
    )


#: the words for chamber.models.PUBLIC_LEDGER (a value without words fails at import)
PUBLIC_LEDGER_WORDS = {
    "off": _l("Not public"),
    "names": _l("Public, members' payments by name"),
    "totals": _l("Public, members' payments only as a count and total"),
}


class TrustSettingsForm(BaseForm):
    complaint_days = IntegerField(
        _l("Days a merchant has to respond to a complaint"), validators=[InputRequired(), NumberRange(1, 60)]
    )
    public_ledger = SelectField(
        _l("Open books: campaign ledgers"),
        choices=[SelectChoice(code, PUBLIC_LEDGER_WORDS[code]) for code in PUBLIC_LEDGER],
        validators=[DataRequired()],
    )

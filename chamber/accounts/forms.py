from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..forms import BaseForm, strip

PASSWORD_MIN = 10


class RegisterForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), Email()], filters=[strip])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200,
                                           message=_l("Use %(min)d to %(max)d characters."))],
    )
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=80)], filters=[strip])


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200,
                                           message=_l("Use %(min)d to %(max)d characters."))],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class ApiPasswordForm(BaseForm):
    """Changing the password through the API: the same rules as the account page."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200,
                                           message=_l("Use %(min)d to %(max)d characters."))],
    )


class TokenForm(BaseForm):
    name = StringField(_l("What is the token for?"), validators=[DataRequired(), Length(max=80)], filters=[strip])


class LanguageForm(BaseForm):
    locale = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")])


class EmptyForm(BaseForm):
    """A form with only the CSRF token, for buttons that post."""

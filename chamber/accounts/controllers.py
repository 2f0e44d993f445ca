"""Account pages: register, log in and out, password, API tokens, language."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from ..chambers import operations as chamber_ops
from ..db import get_session
from ..errors import Conflict
from ..i18n import LANG_COOKIE
from ..models import LOCALES
from ..web import SESSION_VERSION, keep_changes, operation_failed, rate_limit, safe_next, start_session
from . import operations as ops
from .forms import ChangePasswordForm, EmptyForm, LanguageForm, LoginForm, RegisterForm, TokenForm


def register() -> Any:
    form = RegisterForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            user = ops.register_user(session, form.email.data, form.password.data, form.display_name.data)
        except Conflict as err:
            operation_failed(err, form, field="email")
        else:
            start_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(safe_next())
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


def login() -> Any:
    """Long: the lock-out: every attempt is recorded (keep_changes) and a locked account answers 429."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        session = get_session()
        try:
            user = ops.authenticate(session, form.email.data, form.password.data, address=request.remote_addr)
        except ops.LoginLocked as locked:
            form.form_errors.append(locked.message)
            status = 429
        else:
            keep_changes()  # the attempt is recorded either way
            if user is not None:
                start_session(user)
                return redirect(safe_next(default=_landing(session, user)))
            form.password.errors.append(_("Wrong email or password."))
            status = 400
    elif form.errors:
        status = 400
    return render_template("accounts/login.html", form=form), status


def _landing(session: Any, user: Any) -> str | None:
    """Where someone lands after logging in without a ``next``: the dashboard of their only chamber."""
    chambers = chamber_ops.chambers_of(session, user)
    return url_for("chambers.dashboard", slug=chambers[0].slug) if len(chambers) == 1 else None


def logout() -> Any:
    """Log out: this cookie, and any copy of it, opens nothing any more (the session version moves on)."""
    if EmptyForm().validate_on_submit():
        if current_user.is_authenticated:
            session = get_session()
            ops.end_sessions(session, current_user)
        logout_user()
        flash(_("You are logged out."), "info")
    return redirect(url_for("chambers.home"))


@login_required
def logout_everywhere() -> Any:
    """End every browser session of the account, this one too; API tokens stay (revoked one by one)."""
    if EmptyForm().validate_on_submit():
        session = get_session()
        ops.end_sessions(session, current_user)
        logout_user()
        flash(_("You are logged out on every device. API tokens still work until you revoke them."), "info")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.account"))


@login_required
def account() -> Any:
    """Long: two forms on one page (password change, API tokens), each with its own outcome and lock-out."""
    session = get_session()
    password_form = ChangePasswordForm(prefix="pw")
    token_form = TokenForm(prefix="tok")
    # a new token is shown once, on the page the creation redirects to (reloading makes no second token)
    new_secret = flask_session.pop("new_token", None) if request.method == "GET" else None
    status = 200
    if request.method == "POST":
        if request.form.get("action") == "password" and password_form.validate_on_submit():
            try:
                revoked = ops.change_password(session, current_user, password_form.current_password.data,
                                              password_form.new_password.data, address=request.remote_addr)
            except ops.LoginLocked as locked:
                password_form.current_password.errors.append(locked.message)
                status = 429
            else:
                keep_changes()  # a wrong current password counts towards the lock-out too
                if revoked is not None:
                    flask_session[SESSION_VERSION] = current_user.session_version  # this browser stays in
                    message = _("Your password is changed. You are logged out everywhere else.")
                    if revoked:
                        message += " " + ngettext(
                            "%(num)d API token is revoked: create a new one where you need it.",
                            "%(num)d API tokens are revoked: create new ones where you need them.", revoked,
                        )
                    flash(message, "success")
                    return redirect(url_for("accounts.account"))
                password_form.current_password.errors.append(_("The current password is wrong."))
        elif request.form.get("action") == "token" and token_form.validate_on_submit():
            rate_limit("token")
            try:
                _token, secret = ops.create_token(session, current_user, token_form.name.data)
            except Conflict as err:
                status = operation_failed(err, token_form, field="name")
            else:
                flask_session["new_token"] = secret
                return redirect(url_for("accounts.account") + "#tokens")
        if (password_form.errors or token_form.errors) and status == 200:
            status = 400
    tokens = ops.list_tokens(session, current_user)
    return render_template(
        "accounts/account.html",
        password_form=password_form,
        token_form=token_form,
        tokens=tokens,
        new_secret=new_secret,
        revoke_form=EmptyForm(),
        active_tokens=sum(1 for t in tokens if t.revoked_at is None),
        max_tokens=ops.MAX_ACTIVE_TOKENS,
    ), status


@login_required
def revoke(token_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        session = get_session()
        if ops.revoke_token(session, current_user, token_id):
            flash(_("The token is revoked."), "info")
    return redirect(url_for("accounts.account"))


def set_language() -> Any:
    form = LanguageForm()
    # back to the page the switch was pressed on: ?next=, else the Referer's path (never its host)
    target = safe_next(request.args.get("next") or (request.referrer and _referrer_path(request.referrer)) or None)
    if not form.validate_on_submit():
        return redirect(target)
    locale = form.locale.data
    session = get_session()
    ops.set_locale(session, current_user if current_user.is_authenticated else None, locale)
    resp = redirect(target)
    resp.set_cookie(LANG_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return resp


def language_link(locale: str) -> Any:
    """The language switch of the cached public pages: a link (those pages carry no CSRF token).

    Only the visitor's cookie changes here; a logged-in user's saved choice changes through the
    form (POST /language), which the pages they see render instead."""
    target = safe_next(request.args.get("next"))
    resp = redirect(target)
    if locale in LOCALES:
        resp.set_cookie(LANG_COOKIE, locale, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return resp


def _referrer_path(url: str) -> str | None:

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path else None

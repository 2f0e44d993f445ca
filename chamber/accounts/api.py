"""Account API: users, tokens, me."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _
from flask_babel import ngettext

from ..api import ApiError, error_response, operation_error, token_user, validate_json
from ..chambers.operations import memberships_of
from ..db import get_session
from ..errors import Conflict
from ..web import keep_changes, rate_limit
from . import operations as ops
from .forms import ApiPasswordForm, LoginForm, RegisterForm


def create_user() -> Any:
    form = validate_json(RegisterForm)
    session = get_session()
    user = ops.register_user(session, form.email.data, form.password.data, form.display_name.data)
    return jsonify(id=user.id, email=user.email, display_name=user.display_name), 201


def create_api_token() -> Any:
    """Long: the lock-out and the token limits: the attempt is kept whatever the answer."""
    form = validate_json(LoginForm)
    session = get_session()
    try:
        user = ops.authenticate(session, form.email.data, form.password.data, address=request.remote_addr)
    except ops.LoginLocked as locked:
        resp = error_response(429, locked.message)
        resp.headers["Retry-After"] = str(int(locked.remaining.total_seconds()) + 1)
        return resp
    if user is None:
        keep_changes()  # keep the failed attempt: it counts towards the lock-out
        return error_response(401, _("Wrong email or password."))
    keep_changes()  # the successful attempt counts even when a limit below refuses the token
    rate_limit("token")  # tokens made, not guesses: those are the lock-out's and RATE_LIMITS["login"]'s
    try:
        _token, secret = ops.create_token(session, user, "API")
    except Conflict as err:
        raise operation_error(err, rename={"name": ""}) from None
    return jsonify(token=secret), 201


def list_api_tokens() -> Any:
    user = token_user()
    return jsonify(items=[
        {"id": t.id, "name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
         "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None}
        for t in ops.list_tokens(get_session(), user)
    ])


def revoke_api_token(token_id: int) -> Any:
    user = token_user()
    session = get_session()
    if not ops.revoke_token(session, user, token_id):
        raise ApiError(404, _("You have no such token."))
    return "", 204


def change_api_password() -> Any:
    """Long: the lock-out: a wrong current password is kept (keep_changes); revoked tokens are reported."""
    user = token_user()
    form = validate_json(ApiPasswordForm)
    session = get_session()
    try:
        revoked = ops.change_password(session, user, form.current_password.data, form.new_password.data,
                                      address=request.remote_addr)
    except ops.LoginLocked as locked:
        return error_response(429, locked.message)
    keep_changes()  # a wrong current password counts towards the lock-out
    if revoked is None:
        message = _("The current password is wrong.")
        return error_response(400, message, fields={"current_password": message})
    message = _("Your password is changed. You are logged out everywhere else.") + " " + ngettext(
        "%(num)d API token is revoked, this one too: create a new one with the new password.",
        "%(num)d API tokens are revoked, this one too: create a new one with the new password.", revoked,
    )
    return jsonify(revoked_tokens=revoked, message=message)


def revoke_sessions() -> Any:
    user = token_user()
    session = get_session()
    ops.end_sessions(session, user)
    return "", 204


def me() -> Any:
    user = token_user()
    session = get_session()
    return jsonify(id=user.id, email=user.email, display_name=user.display_name,
                   memberships=memberships_of(session, user))

"""Account API: users, tokens, me."""
from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext as _

from ..api import ApiError, error_response, token_user, validate_json
from ..chambers.operations import memberships_of
from ..db import get_session
from ..errors import Conflict
from . import operations as ops
from .forms import LoginForm, RegisterForm


def create_user() -> Any:
    form = validate_json(RegisterForm)
    session = get_session()
    try:
        user = ops.register_user(session, form.email.data, form.password.data, form.display_name.data)
    except Conflict as err:
        raise ApiError(409, err.message, fields={err.field: err.message} if err.field else None) from None
    session.commit()
    return jsonify(id=user.id, email=user.email, display_name=user.display_name), 201


def create_api_token() -> Any:
    form = validate_json(LoginForm)
    session = get_session()
    try:
        user = ops.authenticate(session, form.email.data, form.password.data)
    except ops.LoginLocked as locked:
        resp = error_response(429, locked.message)
        resp.headers["Retry-After"] = str(int(locked.remaining.total_seconds()) + 1)
        return resp
    if user is None:
        session.commit()  # keep the failed attempt: it counts towards the lock-out
        return error_response(401, _("Wrong email or password."))
    _token, secret = ops.create_token(session, user, "API")
    session.commit()
    return jsonify(token=secret), 201


def me() -> Any:
    user = token_user()
    session = get_session()
    return jsonify(id=user.id, email=user.email, display_name=user.display_name, memberships=memberships_of(session, user))

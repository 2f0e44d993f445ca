"""The JSON API's plumbing: errors, bearer tokens, JSON→form validation, the route registry.

Every API route is declared with `api_route`, which records it for the OpenAPI document, so
the document cannot drift from the routes that exist.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, overload
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DecimalField, FieldList, FloatField, FormField, IntegerField, SelectMultipleField
from wtforms.validators import DataRequired, InputRequired, Length

from .db import get_session
from .errors import Conflict, Invalid
from .models import ApiToken, User
from .tokens import hash_token

API_PREFIX = "/api/v1"

ERROR_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "validation_error",
    409: "conflict",
    413: "too_large",
    415: "validation_error",
    429: "rate_limited",
}


class ApiError(Exception):
    """An API failure with the contract's error body."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}
        self.code = code or ERROR_CODES.get(status, "validation_error")


def error_response(status: int, message: str, fields: dict[str, str] | None = None,
                   code: str | None = None) -> Response:
    body: dict[str, Any] = {"code": code or ERROR_CODES.get(status, "validation_error"), "message": message}
    if fields:
        body["fields"] = fields
    resp = jsonify({"error": body})
    resp.status_code = status
    return resp


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


# --- tokens -------------------------------------------------------------------------------

@overload
def token_user(optional: Literal[False] = False) -> User: ...
@overload
def token_user(optional: bool) -> User | None: ...
def token_user(optional: bool = False) -> User | None:
    """The user behind the request's bearer token; 401 unless optional."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    user = None
    if header[:7].lower() == "bearer " and len(header) < 300:
        session = get_session()
        token = session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(header[7:].strip()), ApiToken.revoked_at.is_(None))
        )
        if token is not None:
            user = token.user
    if user is None and not optional:
        raise ApiError(401, _("Send a valid API token: Authorization: Bearer <token>."))
    g.api_user = user
    return user


# --- JSON bodies through WTForms ----------------------------------------------------------

def operation_error(err: Conflict | Invalid, rename: dict[str, str] | None = None) -> ApiError:
    """An operation's Conflict (409) or Invalid (400, 413 …) as the API's error, by its field."""
    field = (rename or {}).get(err.field or "", err.field)
    return ApiError(err.status, err.message, fields={field: err.message} if field else None)


def local_iso(value: dt.datetime | None, timezone: str) -> str | None:
    """A stored UTC time as the API answers it: ISO 8601 in the chamber's zone, with its offset."""
    return value.astimezone(ZoneInfo(timezone)).isoformat() if value is not None else None


def json_body() -> dict[str, Any]:
    """The request's JSON object, or 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, _("The request body must be a JSON object."))
    return data


_NUMBER_FIELDS = (IntegerField, DecimalField, FloatField)


def _flatten(form_cls: type, data: dict[str, Any], prefix: str, md: MultiDict, errors: dict[str, str],
             path: str = "") -> None:
    """Put a JSON object into formdata the way a browser would post it (items-0-key), checking types.

    Type errors are reported under dotted names (items.0.key), like validation errors.
    """
    for name, unbound in _unbound(form_cls):
        if name == "csrf_token" or name not in data or data[name] is None:
            continue
        value = data[name]
        key, where = prefix + name, path + name
        cls = unbound.field_class
        if cls is FieldList:
            inner = unbound.args[0] if unbound.args else unbound.kwargs.get("unbound_field")
            if not isinstance(value, list):
                errors[where] = _("Expected a list.")
                continue
            limit = unbound.kwargs.get("max_entries")
            if limit is not None and len(value) > limit:
                errors[where] = _("At most %(n)d items.", n=limit)
                continue
            for i, item in enumerate(value):
                if inner.field_class is FormField:
                    if not isinstance(item, dict):
                        errors[f"{where}.{i}"] = _("Expected an object.")
                        continue
                    _flatten(inner.args[0], item, f"{key}-{i}-", md, errors, f"{where}.{i}.")
                else:
                    _put_scalar(inner.field_class, item, f"{key}-{i}", f"{where}.{i}", md, errors)
        elif issubclass(cls, SelectMultipleField):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[where] = _("Expected a list of strings.")
                continue
            for v in value:
                md.add(key, v)
        else:
            _put_scalar(cls, value, key, where, md, errors)


def _unbound(form_cls: type) -> list[tuple[str, Any]]:
    """A form class's declared (unbound) fields, in declaration order."""
    seen: dict[str, Any] = {}
    for klass in reversed(form_cls.__mro__):
        for name, value in vars(klass).items():
            if hasattr(value, "field_class"):
                seen[name] = value
    return sorted(seen.items(), key=lambda item: item[1].creation_counter)


def _put_scalar(cls: type, value: Any, key: str, where: str, md: MultiDict, errors: dict[str, str]) -> None:
    if issubclass(cls, BooleanField):
        if not isinstance(value, bool):
            errors[where] = _("Expected true or false.")
        elif value:
            md.add(key, "y")
    elif issubclass(cls, _NUMBER_FIELDS):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors[where] = _("Expected a number.")
        else:
            md.add(key, repr(value) if isinstance(value, float) else str(value))
    elif not isinstance(value, str):
        errors[where] = _("Expected a string.")
    else:
        md.add(key, value)


def validate_json(form_cls: type, data: dict[str, Any] | None = None, **attrs: Any) -> Any:
    """Validate a JSON object with the same form class the HTML page uses; 400 with fields."""
    data = json_body() if data is None else data
    md: MultiDict = MultiDict([("__json__", "1")])  # never empty: WTForms ignores empty formdata
    errors: dict[str, str] = {}
    _flatten(form_cls, data, "", md, errors)
    form = form_cls(formdata=md, meta={"csrf": False})
    for name, value in attrs.items():  # context the validators need, e.g. the currency
        setattr(form, name, value)
    if not form.validate() or errors:
        validation: dict[str, str] = {}
        for name, msgs in form.errors.items():
            _collect(name, msgs, validation)
        errors = {**validation, **errors}  # a type error says more than "This field is required."
        raise ApiError(400, _("Some fields are not valid."), fields=errors)
    return form


def _collect(name: str, msgs: Any, out: dict[str, str]) -> None:
    if isinstance(msgs, dict):
        for sub, sub_msgs in msgs.items():
            _collect(f"{name}.{sub}", sub_msgs, out)
    elif isinstance(msgs, list) and msgs and isinstance(msgs[0], (list, dict)):
        for i, sub in enumerate(msgs):
            if sub:
                _collect(f"{name}.{i}", sub, out)
    elif msgs:
        out.setdefault(name, str(msgs[0]))


# --- registry for OpenAPI -----------------------------------------------------------------

@dataclass
class ApiRoute:
    path: str
    methods: list[str]
    endpoint: str
    summary: str
    auth: str
    form: type | None = None
    responses: dict[int, str] = field(default_factory=dict)
    content: str = "application/json"


API_ROUTES: list[ApiRoute] = [
    ApiRoute("/openapi.json", ["GET"], "openapi", "This OpenAPI 3.1 document.", "public"),
]


def api_route(
    bp: Blueprint,
    path: str,
    methods: list[str],
    *,
    summary: str,
    auth: str = "token",
    form: type | None = None,
    responses: dict[int, str] | None = None,
    content: str = "application/json",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view on bp under /api/v1 and record it for the OpenAPI document."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = "api_" + view.__name__
        bp.add_url_rule(API_PREFIX + path, endpoint=endpoint, view_func=view, methods=methods)
        API_ROUTES.append(
            ApiRoute(path, methods, f"{bp.name}.{endpoint}", summary, auth, form, responses or {}, content)
        )
        return view

    return decorator


def _field_schema(unbound: Any) -> dict[str, Any]:
    cls = unbound.field_class
    kwargs = unbound.kwargs
    validators = kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else [])
    schema: dict[str, Any]
    if cls is FieldList:
        inner = unbound.args[0]
        if inner.field_class is FormField:
            schema = {"type": "array", "items": form_schema(inner.args[0])}
        else:
            schema = {"type": "array", "items": _field_schema(inner)}
    elif issubclass(cls, SelectMultipleField):
        schema = {"type": "array", "items": {"type": "string"}}
    elif issubclass(cls, BooleanField):
        schema = {"type": "boolean"}
    elif issubclass(cls, _NUMBER_FIELDS):
        schema = {"type": "integer" if issubclass(cls, IntegerField) else "number"}
    else:
        schema = {"type": "string"}
        choices = kwargs.get("choices")
        if isinstance(choices, (list, tuple)) and choices:
            schema["enum"] = [getattr(c, "value", c[0] if isinstance(c, tuple) else c) for c in choices]
    for v in validators:
        if isinstance(v, Length) and schema["type"] == "string":
            if v.max and v.max > 0:
                schema["maxLength"] = v.max
            if v.min and v.min > 0:
                schema["minLength"] = v.min
    if getattr(cls, "openapi_format", None):
        schema["format"] = cls.openapi_format
    return schema


def form_schema(form_cls: type) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, unbound in _unbound(form_cls):
        if name == "csrf_token" or name.startswith("submit"):
            continue
        props[name] = _field_schema(unbound)
        validators = unbound.kwargs.get("validators") or []
        if any(isinstance(v, (DataRequired, InputRequired)) for v in validators):
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "enum": sorted(set(ERROR_CODES.values()))},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


def openapi_document(title: str, version: str) -> dict[str, Any]:
    """OpenAPI 3.1 for every registered API route."""
    paths: dict[str, Any] = {}
    for route in API_ROUTES:
        oa_path = route.path.replace("<", "{").replace(">", "}")
        oa_path = _strip_converters(oa_path)
        params = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in _path_params(oa_path)
        ]
        for method in route.methods:
            op: dict[str, Any] = {
                "operationId": route.endpoint.replace(".", "_") + "_" + method.lower(),
                "summary": route.summary,
                "parameters": params,
                "responses": {
                    str(code): {"description": text} for code, text in (route.responses or {200: "OK"}).items()
                },
            }
            op["responses"]["default"] = {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            if route.auth != "public":
                op["security"] = [{"bearer": []}]
            else:
                op["security"] = []
            op["x-roles"] = route.auth
            if route.form is not None and method in ("POST", "PUT", "PATCH"):
                op["requestBody"] = {
                    "required": True,
                    "content": {route.content: {"schema": form_schema(route.form)}},
                }
            paths.setdefault(oa_path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": API_PREFIX}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR_SCHEMA},
        },
    }


def _strip_converters(path: str) -> str:
    return re.sub(r"\{(?:[a-z]+:)?([a-z_]+)\}", r"{\1}", path)


def _path_params(path: str) -> list[str]:
    return re.findall(r"\{([a-z_]+)\}", path)

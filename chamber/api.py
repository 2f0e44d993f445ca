"""The JSON API's plumbing: errors, bearer tokens, JSON→form validation, the route registry.

Every API route is declared with `api_route`, which records it for the OpenAPI document, so
the document cannot drift from the routes that exist.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, overload
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FileField,
    FloatField,
    FormField,
    IntegerField,
    SelectFieldBase,
    SelectMultipleField,
)
from wtforms.validators import URL, AnyOf, DataRequired, Email, InputRequired, Length, NumberRange, Regexp

from .db import get_session
from .errors import Conflict, Invalid
from .forms import ItemCount, Nullable
from .models import ApiToken, User
from .rules import MAX_ID
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
        if name == "csrf_token" or name not in data:
            continue
        value = data[name]
        key, where = prefix + name, path + name
        cls = unbound.field_class
        if value is None:
            # null only where the document says nullable: elsewhere it is a value of the wrong type
            if not any(isinstance(v, Nullable) for v in _validators(unbound)):
                errors[where] = _type_message(cls)
            continue
        if cls is FieldList:
            inner = unbound.args[0] if unbound.args else unbound.kwargs.get("unbound_field")
            if not isinstance(value, list):
                errors[where] = _("Expected a list.")
                continue
            limit = unbound.kwargs.get("max_entries")
            counts = [v for v in _validators(unbound) if isinstance(v, ItemCount)]
            if counts and len(value) > counts[0].max:
                errors[where] = str(counts[0].too_many)  # before thousands of rows are processed
                continue
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


def _validators(unbound: Any) -> list[Any]:
    return list(unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else []))


def _type_message(cls: type) -> str:
    if issubclass(cls, FieldList):
        return _("Expected a list.")
    if issubclass(cls, BooleanField):
        return _("Expected true or false.")
    if issubclass(cls, _NUMBER_FIELDS):
        return _("Expected a number.")
    return _("Expected a string.")


def _put_scalar(cls: type, value: Any, key: str, where: str, md: MultiDict, errors: dict[str, str]) -> None:
    if issubclass(cls, BooleanField):
        if not isinstance(value, bool):
            errors[where] = _type_message(cls)
        elif value:
            md.add(key, "y")
    elif issubclass(cls, _NUMBER_FIELDS):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors[where] = _type_message(cls)
        else:
            md.add(key, repr(value) if isinstance(value, float) else str(value))
    elif not isinstance(value, str):
        errors[where] = _type_message(cls)
    else:
        md.add(key, value)


def _ungroup(form_cls: type, data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """Lift the fields a form's api_groups nests in objects (e.g. apportionment.method) to the top."""
    groups: dict[str, tuple[str, ...]] = getattr(form_cls, "api_groups", {})
    if not groups:
        return data
    data = dict(data)
    for group, names in groups.items():
        nested = data.pop(group, None)
        if nested is None:
            continue
        if not isinstance(nested, dict):
            errors[group] = _("Expected an object.")
            continue
        data.update((name, nested[name]) for name in names if name in nested)
    return data


def _grouped_name(form_cls: type, name: str) -> str:
    for group, names in getattr(form_cls, "api_groups", {}).items():
        if name in names:
            return f"{group}.{name}"
    return name


def validate_json(form_cls: type, data: dict[str, Any] | None = None, **attrs: Any) -> Any:
    """Validate a JSON object with the same form class the HTML page uses; 400 with fields."""
    data = json_body() if data is None else data
    md: MultiDict = MultiDict([("__json__", "1")])  # never empty: WTForms ignores empty formdata
    errors: dict[str, str] = {}
    data = _ungroup(form_cls, data, errors)
    _flatten(form_cls, data, "", md, errors)
    form = form_cls(formdata=md, meta={"csrf": False}, **attrs)  # attrs: the chamber's currency, timezone
    if not form.validate() or errors:
        validation: dict[str, str] = {}
        for name, msgs in form.errors.items():
            _collect(name, msgs, validation)
        errors = {**validation, **errors}  # a type error says more than "This field is required."
        raise ApiError(400, _("Some fields are not valid."),
                       fields={_grouped_name(form_cls, k): v for k, v in errors.items()})
    return form


def validate_multipart(form_cls: type, **attrs: Any) -> Any:
    """Validate a multipart/form-data body (fields and files) with a form class; 400 with fields."""
    from werkzeug.datastructures import CombinedMultiDict

    if request.mimetype != "multipart/form-data":
        raise ApiError(400, _("Send this as multipart/form-data, with the file as a part."))
    form = form_cls(formdata=CombinedMultiDict([request.files, request.form]), meta={"csrf": False}, **attrs)
    if not form.validate():
        fields: dict[str, str] = {}
        for name, msgs in form.errors.items():
            _collect(name, msgs, fields)
        raise ApiError(400, _("Some fields are not valid."), fields=fields)
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
    #: status → description, or (description, JSON Schema of the body)
    responses: dict[int, Any] = field(default_factory=dict)
    #: the media type(s) of a successful answer that is not JSON (a PDF, a CSV, a receipt)
    content: str | tuple[str, ...] = "application/json"


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
    responses: dict[int, Any] | None = None,
    content: str | tuple[str, ...] = "application/json",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view on bp under /api/v1 and record it for the OpenAPI document.

    The request body is described from ``form`` (its fields and validators), the path parameters
    from the URL converters, the error answers from what every route can answer (400; 401 with a
    token; 404 with path parameters; 413 with a body) plus ``responses``.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = "api_" + view.__name__
        bp.add_url_rule(API_PREFIX + path, endpoint=endpoint, view_func=view, methods=methods)
        API_ROUTES.append(
            ApiRoute(path, methods, f"{bp.name}.{endpoint}", summary, auth, form, responses or {}, content)
        )
        return view

    return decorator


# --- the OpenAPI document, derived from the routes and their forms --------------------------

def _base_schema(unbound: Any) -> dict[str, Any]:
    cls = unbound.field_class
    if issubclass(cls, FieldList):
        inner = unbound.args[0] if unbound.args else unbound.kwargs["unbound_field"]
        items = form_schema(inner.args[0]) if inner.field_class is FormField else _field_schema(inner)
        schema: dict[str, Any] = {"type": "array", "items": items}
        if unbound.kwargs.get("max_entries") is not None:
            schema["maxItems"] = unbound.kwargs["max_entries"]
        return schema
    if issubclass(cls, FormField):
        return form_schema(unbound.args[0])
    if issubclass(cls, BooleanField):
        return {"type": "boolean"}
    if issubclass(cls, IntegerField):
        return {"type": "integer"}
    if issubclass(cls, _NUMBER_FIELDS):
        return {"type": "number"}
    if issubclass(cls, FileField):
        return {"type": "string", "format": "binary"}
    if issubclass(cls, DateField):
        return {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    choices = unbound.kwargs.get("choices")
    values = ([getattr(c, "value", c[0] if isinstance(c, tuple) else c) for c in choices]
              if isinstance(choices, (list, tuple)) and choices else None)
    if issubclass(cls, SelectMultipleField):
        return {"type": "array", "items": {"type": "string", **({"enum": values} if values else {})}}
    schema = {"type": "string"}
    if values and issubclass(cls, SelectFieldBase):
        schema["enum"] = values
    return schema


def _validator_schema(v: Any, schema: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema keywords for what one validator accepts."""
    kind = schema.get("type")
    out: dict[str, Any] = {}
    if isinstance(v, Length) and kind == "string":
        if v.max is not None and v.max >= 0:
            out["maxLength"] = v.max
        if v.min is not None and v.min > 0:
            out["minLength"] = v.min
    elif isinstance(v, (DataRequired, InputRequired)) and kind == "string":
        out["minLength"] = max(schema.get("minLength", 0), 1)
    elif isinstance(v, DataRequired) and kind == "array":
        out["minItems"] = max(schema.get("minItems", 0), 1)
    elif isinstance(v, NumberRange) and kind in ("integer", "number"):
        for bound, key in ((v.min, "minimum"), (v.max, "maximum")):
            if isinstance(bound, (int, float, Decimal)):
                out[key] = int(bound) if kind == "integer" or bound == int(bound) else float(bound)
    elif isinstance(v, AnyOf):
        out["enum"] = list(v.values)
    elif isinstance(v, Email):
        out["format"] = "email"
    elif isinstance(v, URL):
        out["format"] = "uri"
        out["pattern"] = r"^https?://"
    elif isinstance(v, Regexp):
        out["pattern"] = v.regex.pattern
    keywords = getattr(v, "openapi", None)
    if isinstance(keywords, dict):
        out.update(keywords)
    return out


def _field_schema(unbound: Any, inline: Any = None) -> dict[str, Any]:
    """A form field as JSON Schema: its type, then what its class and each validator accept."""
    schema = _base_schema(unbound)
    schema.update(getattr(unbound.field_class, "openapi", None) or {})
    for v in [*_validators(unbound), *([inline] if inline is not None else [])]:
        for key, value in _validator_schema(v, schema).items():
            if key == "pattern" and "pattern" in schema and schema["pattern"] != value:
                schema.setdefault("allOf", []).append({"pattern": value})  # both must match
            else:
                schema[key] = value
    if any(isinstance(v, Nullable) for v in _validators(unbound)):
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def form_schema(form_cls: type, *, files: bool = False) -> dict[str, Any]:
    """A form as the JSON Schema of the request body the API takes (files: the multipart variant)."""
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, unbound in _unbound(form_cls):
        if name == "csrf_token" or name.startswith("submit"):
            continue
        if issubclass(unbound.field_class, FileField) and not files:
            continue
        props[name] = _field_schema(unbound, getattr(form_cls, f"validate_{name}", None))
        if any(isinstance(v, (DataRequired, InputRequired)) or (isinstance(v, ItemCount) and v.min > 0)
               for v in _validators(unbound)):
            required.append(name)
    groups: dict[str, tuple[str, ...]] = getattr(form_cls, "api_groups", {}) if not files else {}
    for group, names in groups.items():
        inner = [n for n in names if n in props]
        props[group] = {"type": "object", "properties": {n: props.pop(n) for n in inner}}
        inner_required = [n for n in inner if n in required]
        if inner_required:
            props[group]["required"] = inner_required
            required = [n for n in required if n not in inner_required] + [group]
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "enum": sorted(set(ERROR_CODES.values()))},
                "message": {"type": "string", "minLength": 1},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

#: path parameters by converter: ids fit the database's INTEGER columns (chamber.web.IdConverter)
PATH_PARAMETERS = {
    "int": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "default": {"type": "string", "minLength": 1},
}
ERROR_DESCRIPTIONS = {
    400: "Invalid input: the fields say what (also JSON nested too deeply, or text that cannot be stored)",
    401: "No valid bearer token",
    403: "Not allowed: e.g. no approved business of the caller's to act for",
    404: "Not found, or not visible to the caller",
    409: "Conflict with the current state",
    413: "The request body is too large",
    429: "Too many attempts",
}


def _responses(route: ApiRoute, method: str, has_params: bool) -> dict[str, Any]:
    declared = dict(route.responses or {})
    if not any(200 <= code < 300 for code in declared):
        declared[200] = "OK"
    errors = {400}
    if route.auth != "public":
        errors.add(401)
    if route.auth == "member":
        errors.add(403)  # a member route acting for a business the caller does not have
    if has_params:
        errors.add(404)
    if method in ("POST", "PUT", "PATCH"):
        errors.add(413)
    out: dict[str, Any] = {}
    for code in sorted(set(declared) | errors):
        given = declared.get(code, ERROR_DESCRIPTIONS.get(code, "Error"))
        description, body = given if isinstance(given, tuple) else (given, None)
        if code >= 400:
            out[str(code)] = {"description": description,
                              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        elif code == 204:
            out[str(code)] = {"description": description}
        else:
            types = (route.content,) if isinstance(route.content, str) else route.content
            if route.form is not None and method != "GET":
                types = ("application/json",)  # a form's route answers JSON; content is what it takes
            json_schema = body if body is not None else {"type": ["object", "array"]}
            binary = {"type": "string", "format": "binary"}
            out[str(code)] = {"description": description, "content": {
                t: {"schema": json_schema if t == "application/json" else binary} for t in types}}
    return out


def openapi_document(title: str, version: str) -> dict[str, Any]:
    """OpenAPI 3.1 for every registered API route."""
    paths: dict[str, Any] = {}
    for route in API_ROUTES:
        oa_path = _strip_converters(route.path.replace("<", "{").replace(">", "}"))
        params = [
            {"name": name, "in": "path", "required": True,
             "schema": dict(PATH_PARAMETERS.get(converter or "default", PATH_PARAMETERS["default"]))}
            for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", route.path)
        ]
        for method in route.methods:
            op: dict[str, Any] = {
                "operationId": route.endpoint.replace(".", "_") + "_" + method.lower(),
                "summary": route.summary,
                "parameters": params,
                "responses": _responses(route, method, bool(params)),
                "security": [{"bearer": []}] if route.auth != "public" else [],
                "x-roles": route.auth,
            }
            if route.form is not None and method in ("POST", "PUT", "PATCH"):
                content = {"application/json": {"schema": form_schema(route.form)}}
                if any(issubclass(u.field_class, FileField) for _n, u in _unbound(route.form)):
                    content["multipart/form-data"] = {"schema": form_schema(route.form, files=True)}
                op["requestBody"] = {"required": True, "content": content}
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

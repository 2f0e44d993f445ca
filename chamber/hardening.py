"""What every request and response gets, whatever the route: bounded JSON, security headers.

- JSON bodies nest at most MAX_JSON_DEPTH arrays/objects: checked on the text before it is
  parsed, so nothing after (the parser, the checks on stored text, the forms) recurses deeply.
- Every HTML page carries a strict Content-Security-Policy (no inline script or style: scripts
  live in static/js, styles in static/css/chamber.css) and may not be framed; every response
  says nosniff and a same-origin Referrer-Policy.
- Views marked @private_document (receipts, statements, reports, CSVs) are never stored by
  browsers or proxies.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, has_request_context, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

MAX_JSON_DEPTH = 32

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
PRIVATE_CACHE_CONTROL = "private, no-store"

_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")

View = TypeVar("View", bound=Callable[..., Any])


def json_too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays and objects deeper than limit (brackets in strings do not count)."""
    if text.count("[") + text.count("{") <= limit:  # nearly every body: two counts in C
        return False
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class JSONTooDeep(BadRequest):
    """A 400 whose message the user sees, on pages and in the API."""

    chamber_message = True


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested deeper than MAX_JSON_DEPTH before parsing them."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        text = s.decode(json.detect_encoding(s), "surrogatepass") if isinstance(s, (bytes, bytearray)) else s
        if json_too_deep(text):
            message = "JSON nested deeper than %d levels" % MAX_JSON_DEPTH
            if has_request_context():
                message = _("The JSON is nested too deeply: at most %(n)d levels.", n=MAX_JSON_DEPTH)
                raise JSONTooDeep(message)
            raise ValueError(message)
        return super().loads(text, **kwargs)


def private_document(view: View) -> View:
    """Mark a view whose answer is a private document: Cache-Control: private, no-store."""
    view.private_document = True  # type: ignore[attr-defined]
    return view


def _security_headers(resp: Response) -> Response:
    headers = resp.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if resp.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "private_document", False):
        headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    return resp


def init_app(app: Flask) -> None:
    app.json = DepthLimitedJSONProvider(app)
    app.after_request(_security_headers)

"""PDF rendering: every PDF of the app goes through `render_pdf(template_name, context)`.

Rules for callers:

* Load what the document needs, copy it into plain dicts/lists/strings/numbers, end the
  transaction (`chamber.web.end_transaction()` in a view), THEN call `render_pdf`. Rendering
  takes long; on SQLite every transaction holds the write lock (BEGIN IMMEDIATE), so a PDF must
  never be rendered inside one. `render_pdf` never touches the database, refuses a context
  holding ORM objects (TypeError: lazy loads would query mid-render) and refuses to run while
  the request's session is still in a transaction (RuntimeError).
* Templates live under templates/pdf/ and extend `pdf/base.html`, which links the shared print
  stylesheet static/css/print.css (A4, page numbers, Noto Sans CJK SC for Chinese).
* Relative URLs in templates resolve against the app's static URL root, so `css/print.css`,
  `/static/css/print.css` and `url_for('static', filename='css/print.css')` all work. The only
  resources a PDF may embed are `data:` URLs and files under `app.static_folder` (see
  `StaticOnlyFetcher`); anything else is refused and WeasyPrint leaves it out.
* An app context is needed (a request context too when the templates call `url_for` without
  SERVER_NAME configured). Without a request, URLs resolve against chamber.urls.public_root().
"""
from __future__ import annotations

import dataclasses
import logging
import mimetypes
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from flask import current_app, g, has_request_context, render_template, request
from sqlalchemy import inspect as sa_inspect
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .urls import public_root

log = logging.getLogger(__name__)


class ResourceRefused(ValueError):
    """A PDF template asked for a resource outside `data:` URLs and the app's static files."""


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves `data:` URLs and the app's static files, nothing else.

    `static_root` is the absolute URL of the static folder (e.g. "http://host/static/").
    A URL under it is mapped to a file under `static_folder` (after percent-decoding and
    resolving symlinks and `..`; escaping the folder is refused). `data:` URLs are decoded by
    urllib's data handler. Every other URL (file:, http(s): elsewhere, ftp:, ...) raises
    ResourceRefused, which WeasyPrint logs and answers by leaving the resource out. No request
    ever leaves the process. `fetched` and `refused` list the URLs seen, for logs and tests.
    """

    def __init__(self, static_root: str, static_folder: str | Path) -> None:
        # allowed_protocols: the parent class is only ever asked for data: URLs.
        super().__init__(timeout=5, allowed_protocols=("data",), allow_redirects=False)
        parts = urlsplit(static_root)
        self._origin = (parts.scheme.lower(), parts.netloc.lower())
        self._prefix = parts.path if parts.path.endswith("/") else parts.path + "/"
        self._folder = Path(static_folder).resolve()
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        try:
            response = self._fetch(url, headers)
        except ResourceRefused:
            self.refused.append(url)
            log.warning("PDF resource refused: %.200s", url)
            raise
        self.fetched.append(url)
        return response

    def _fetch(self, url: str, headers: Any) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        path = self.static_file(url)
        if path is None:
            raise ResourceRefused(f"only data: URLs and static files may be embedded, not {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def static_file(self, url: str) -> Path | None:
        """The file under the static folder that `url` names, or None."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if (parts.scheme.lower(), parts.netloc.lower()) != self._origin:
            return None
        if not parts.path.startswith(self._prefix):
            return None
        relative = unquote(parts.path[len(self._prefix):])
        if not relative or "\x00" in relative or "\\" in relative:
            return None
        try:
            path = (self._folder / relative).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        if not path.is_relative_to(self._folder) or not path.is_file():
            return None
        return path


def static_root_url() -> str:
    """Absolute URL of the static folder: the request's root, else the site's (chamber.urls.public_root)."""
    app = current_app
    root = request.url_root if has_request_context() else public_root()
    static_path = (app.static_url_path or "/static").strip("/")
    return urljoin(root.rstrip("/") + "/", static_path + "/")


def check_plain_context(value: Any, where: str = "context") -> None:
    """Raise TypeError if `value` holds a SQLAlchemy mapped instance (or class) anywhere.

    Walks mappings (keys and values), lists, tuples, sets, other non-string sequences (e.g.
    result rows) and dataclass instances.
    """
    seen: set[int] = set()

    def walk(obj: Any, path: str) -> None:
        if obj is None or isinstance(obj, (str, bytes, bytearray, int, float, bool)):
            return
        if id(obj) in seen:
            return
        seen.add(id(obj))
        info = sa_inspect(obj, raiseerr=False)
        if info is not None and getattr(info, "mapper", None) is not None:
            raise TypeError(
                f"{path} is a SQLAlchemy mapped object ({type(obj).__name__}); render_pdf takes "
                "plain dicts, lists and values only — copy what the template needs first"
            )
        if isinstance(obj, Mapping):
            for key, item in obj.items():
                walk(key, f"{path} key {key!r}")
                walk(item, f"{path}[{key!r}]")
        elif isinstance(obj, (list, tuple, set, frozenset)) or _is_sequence(obj):
            for index, item in enumerate(obj):
                walk(item, f"{path}[{index}]")
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for field in dataclasses.fields(obj):
                walk(getattr(obj, field.name), f"{path}.{field.name}")

    walk(value, where)


def _is_sequence(obj: Any) -> bool:
    return isinstance(obj, Sequence) and not isinstance(obj, (str, bytes, bytearray, memoryview, range))


def _check_no_transaction() -> None:
    session = g.get("db_session")
    if session is not None and session.in_transaction():
        raise RuntimeError(
            "render_pdf called inside a database transaction: commit or roll back the session "
            "(after copying the data into plain dicts) before rendering"
        )


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render the Jinja template `template_name` (e.g. "pdf/statement.html") to PDF bytes.

    `context` must hold plain data only (dicts, lists, str, numbers, dates, Decimal...):
    a SQLAlchemy mapped object anywhere in it raises TypeError. Must be called in an app
    context, outside any database transaction (RuntimeError otherwise). Fonts are subset
    (WeasyPrint uses HarfBuzz-Subset when libharfbuzz-subset0 is installed).
    """
    if not isinstance(context, Mapping):
        raise TypeError("render_pdf context must be a dict")
    check_plain_context(context)
    _check_no_transaction()
    html = render_template(template_name, **context)
    base_url = static_root_url()
    fetcher = StaticOnlyFetcher(base_url, current_app.static_folder or "static")
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def harfbuzz_subsetting() -> bool:
    """True if WeasyPrint subsets fonts with HarfBuzz (not the slower fontTools fallback)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return harfbuzz_subset is not None and bool(harfbuzz.hb_version_atleast(4, 1, 0))

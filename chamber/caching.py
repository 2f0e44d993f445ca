"""HTTP caching of the public pages: one version counter per chamber, raised by every commit that
changes a row of that chamber, is the cache key.

* Writes: after each flush the session notes the chambers whose rows it added, changed or
  deleted (any row with a `chamber_id`, and chambers themselves); just before the commit it
  raises their `chamber_versions` row, in the same transaction, so a page can never be cached
  under a version that misses a committed change. (Bulk UPDATE/DELETE statements bypass the
  ORM and must call `bump(session, chamber_id)` themselves.)
* Reads: `public_cache` answers a page of a chamber by ETag (304 on If-None-Match /
  If-Modified-Since), and renders each version × URL × language once per process for visitors
  who are not logged in (logged-in pages show the person and are never shared).
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from flask import Response, current_app, make_response, request
from flask import session as cookie_session
from flask_babel import get_locale
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import Accept, LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie
from werkzeug.wsgi import get_host

from .db import get_session, utcnow
from .i18n import LANG_COOKIE, choose_locale
from .models import Chamber
from .rules import MAX_SLUG
from .trust.models import ChamberVersion

_KEY = "chamber.changed_chambers"
MAX_ENTRIES = 1024
FRONT_MARK = "chamber.front_cache"


def _note_changes(session: Session, _flush_context: Any) -> None:
    changed: set[int] = session.info.setdefault(_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ChamberVersion):
            continue
        if isinstance(obj, Chamber):
            if obj.id is not None:
                changed.add(obj.id)
            continue
        chamber_id = getattr(obj, "chamber_id", None)
        if isinstance(chamber_id, int):
            changed.add(chamber_id)


def _bump_before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    changed = session.info.pop(_KEY, None)
    if changed:
        for chamber_id in sorted(changed):  # a fixed order: two commits never wait on each other crosswise
            bump(session, chamber_id)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_KEY, None)


def bump(session: Session, chamber_id: int, now: dt.datetime | None = None) -> None:
    """Raise the chamber's content version (a new cache key for its public pages)."""
    now = now or utcnow()
    done = session.execute(
        update(ChamberVersion)
        .where(ChamberVersion.chamber_id == chamber_id)
        .values(version=ChamberVersion.version + 1, changed_at=now)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        exists = session.scalar(select(Chamber.id).where(Chamber.id == chamber_id))
        if exists:
            session.execute(insert(ChamberVersion).values(chamber_id=chamber_id, version=1, changed_at=now))


event.listen(Session, "after_flush", _note_changes)
event.listen(Session, "before_commit", _bump_before_commit)
event.listen(Session, "after_rollback", _forget)


#: pages smaller than this go out as they are (gzip would save little and cost a header)
GZIP_MIN_BYTES = 1024


class CachedPage:
    """A rendered page, with its gzip encoding made once (a 500-merchant campaign page is ~440 KiB, ~40 gzipped)."""

    __slots__ = ("body", "gzipped", "headers", "status")

    def __init__(self, body: bytes, status: int, headers: dict[str, str]) -> None:
        self.body = body
        self.status = status
        self.headers = headers
        # mtime=0: the same page gives the same bytes in every process (one ETag per encoding)
        textual = headers.get("Content-Type", "").startswith(("text/", "application/atom", "application/json"))
        worth_it = textual and len(body) >= GZIP_MIN_BYTES
        self.gzipped = gzip.compress(body, compresslevel=6, mtime=0) if worth_it else None


class PageCache:
    """Rendered pages by key, the newest MAX_ENTRIES, in this process."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], CachedPage] = OrderedDict()
        self.renders = 0

    def get(self, key: tuple[Any, ...]) -> CachedPage | None:
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
        return hit

    def put(self, key: tuple[Any, ...], value: CachedPage) -> None:
        self.renders += 1
        self.entries[key] = value
        while len(self.entries) > MAX_ENTRIES:
            self.entries.popitem(last=False)


def page_cache() -> PageCache:
    return current_app.extensions.setdefault("chamber.page_cache", PageCache())


def _personal() -> bool:
    # a logged-in person, or a message waiting for them: the page is theirs alone
    return "_user_id" in cookie_session or "_flashes" in cookie_session


def public_cache(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve a chamber's public page (URL argument `slug`) by its content version."""

    @functools.wraps(view)
    def wrapper(**kwargs: Any) -> Any:
        slug = str(kwargs.get("slug", ""))
        if len(slug) > MAX_SLUG:
            return view(**kwargs)  # no chamber has it: the view answers 404
        row = (
            get_session()
            .execute(
                select(Chamber.id, ChamberVersion.version, ChamberVersion.changed_at)
                .join(ChamberVersion, ChamberVersion.chamber_id == Chamber.id, isouter=True)
                .where(Chamber.slug == slug)
            )
            .first()
        )
        if row is None:
            return view(**kwargs)  # the view answers 404
        chamber_id, version, changed_at = row
        changed_at = (changed_at or utcnow()).replace(microsecond=0) if version else utcnow().replace(microsecond=0)
        # the host too: absolute links in the page (QR code, og:url, feeds) name the host it was asked on
        key = (request.host_url, request.path, request.query_string, str(get_locale()), chamber_id, version,
               changed_at.isoformat())
        etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        if _personal():
            resp = make_response(view(**kwargs))
            resp.headers["Cache-Control"] = "private, no-cache"
            return resp
        # the gzip encoding is another representation, so it gets its own (strong) ETag
        gzip_ok = request.accept_encodings["gzip"] > 0
        if etag in request.if_none_match or f"{etag}-gz" in request.if_none_match or (
            not request.if_none_match
            and request.if_modified_since is not None
            and changed_at <= request.if_modified_since
        ):
            resp = Response(status=304)
            if gzip_ok and f"{etag}-gz" in request.if_none_match:
                etag = f"{etag}-gz"
        else:
            cache = page_cache()
            hit = cache.get(key)
            if hit is None:
                rendered = make_response(view(**kwargs))
                if rendered.status_code != 200 or rendered.direct_passthrough:
                    return rendered
                headers = {
                    k: v for k, v in rendered.headers.items() if k.lower() in ("content-type", "content-disposition")
                }
                hit = CachedPage(rendered.get_data(), rendered.status_code, headers)
                cache.put(key, hit)
            if gzip_ok and hit.gzipped is not None:
                resp = Response(hit.gzipped, status=hit.status, headers=hit.headers)
                resp.headers["Content-Encoding"] = "gzip"
                etag = f"{etag}-gz"
            else:
                resp = Response(hit.body, status=hit.status, headers=hit.headers)
        resp.set_etag(etag)
        resp.last_modified = changed_at
        resp.headers["Cache-Control"] = "public, no-cache"
        resp.vary.update(("Accept-Language", "Cookie", "Accept-Encoding"))
        if version:
            # the front cache may keep this answer, for this version, for visitors without a session
            request.environ[FRONT_MARK] = (chamber_id, version, str(get_locale()))
        return resp

    return wrapper


class FrontCache:
    """WSGI middleware: a public page already served to a visitor goes out again before Flask runs.

    A visitor without a session (no cookie of Flask's session) gets the same page as every other
    visitor in their language, so the complete answer (body, and every header the app added: the
    security headers, ETag, Vary) is kept per URL × language × encoding, with the chamber's
    content version it was rendered for. The next such request costs one indexed read of that
    version (outside any transaction: on SQLite the app's transactions take the write lock) and no
    routing, session, login, rate-limit, template or ORM work; a new version falls through to the
    app, which renders and is kept again. Personal requests (a session cookie), other methods and
    conditional requests by date always go to the app. Measured in bench/bench_public_page.py.
    """

    def __init__(self, app: Any, wsgi_app: Callable[..., Any]) -> None:
        self.flask_app = app
        self.wsgi_app = wsgi_app
        self.entries: OrderedDict[
            tuple[str, str, str, bool, str], tuple[int, int, str, list[tuple[str, str]], bytes]
        ] = OrderedDict()
        self.hits = 0
        self.session_cookie = app.config.get("SESSION_COOKIE_NAME", "session")
        engine = app.extensions["chamber.db"].engine
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self.engine = engine
        self.version_sql = f"SELECT version FROM chamber_versions WHERE chamber_id = {marker}"  # nosec B608 - no input

    def _visitor_key(self, environ: dict[str, Any]) -> tuple[str, str, str, bool, str] | None:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_IF_MODIFIED_SINCE"):
            return None
        cookies = parse_cookie(environ)
        if self.session_cookie in cookies:
            return None
        query = environ.get("QUERY_STRING", "")
        asked = parse_qs(query).get("lang", [None])[0] if query else None
        accept = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
        locale = choose_locale(asked, None, cookies.get(LANG_COOKIE), accept)
        gzip_ok = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"), Accept)["gzip"] > 0
        # the scheme and host as the app sees them (its pages' absolute links name them): one host's
        # answer never goes to another
        origin = f"{environ.get('wsgi.url_scheme', 'http')}://{get_host(environ)}"
        return (environ.get("PATH_INFO", ""), query, locale, gzip_ok, origin)

    def _version(self, chamber_id: int) -> int | None:
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self.version_sql, (chamber_id,))
            row = cursor.fetchone()
            cursor.close()
            connection.rollback()  # PostgreSQL opened a transaction for the read; end it
        finally:
            connection.close()
        return None if row is None else int(row[0])

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        key = self._visitor_key(environ)
        entry = self.entries.get(key) if key is not None else None
        if entry is not None and self._version(entry[0]) == entry[1]:
            self.hits += 1
            _chamber_id, _version, etag, headers, body = entry
            if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
                kept = [(k, v) for k, v in headers if k.lower() in ("etag", "cache-control", "last-modified", "vary")]
                start_response("304 NOT MODIFIED", kept)
                return [b""]
            start_response("200 OK", headers)
            return [body]
        if key is None:
            return self.wsgi_app(environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        chunks = self.wsgi_app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        mark = environ.get(FRONT_MARK)
        headers = captured.get("headers", [])
        if (
            mark is not None
            and mark[2] == _babel_name(key[2])
            and str(captured.get("status", "")).startswith("200")
            and not any(k.lower() == "set-cookie" for k, _v in headers)
        ):
            etag = next((v for k, v in headers if k.lower() == "etag"), "")
            self.entries[key] = (mark[0], mark[1], etag, list(headers), body)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)
        return [body]


@functools.lru_cache(maxsize=16)
def _babel_name(locale: str) -> str:
    # what flask_babel's get_locale() says for a locale code: zh_CN is zh_Hans_CN to Babel
    from babel import Locale

    return str(Locale.parse(locale))

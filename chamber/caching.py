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
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, make_response, request
from flask import session as cookie_session
from flask_babel import get_locale
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from .db import get_session, utcnow
from .models import Chamber
from .trust.models import ChamberVersion

_KEY = "chamber.changed_chambers"
MAX_ENTRIES = 1024


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


class PageCache:
    """Rendered pages by key, the newest MAX_ENTRIES, in this process."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], tuple[bytes, int, str, dict[str, str]]] = OrderedDict()
        self.renders = 0

    def get(self, key: tuple[Any, ...]) -> tuple[bytes, int, str, dict[str, str]] | None:
        hit = self.entries.get(key)
        if hit is not None:
            self.entries.move_to_end(key)
        return hit

    def put(self, key: tuple[Any, ...], value: tuple[bytes, int, str, dict[str, str]]) -> None:
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
        slug = str(kwargs.get("slug", ""))[:40]
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
        key = (request.path, request.query_string, str(get_locale()), chamber_id, version, changed_at.isoformat())
        etag = hashlib.sha256(repr(key).encode()).hexdigest()[:32]
        if _personal():
            resp = make_response(view(**kwargs))
            resp.headers["Cache-Control"] = "private, no-cache"
            return resp
        if etag in request.if_none_match or (
            not request.if_none_match
            and request.if_modified_since is not None
            and changed_at <= request.if_modified_since
        ):
            resp = Response(status=304)
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
                fresh = (rendered.get_data(), rendered.status_code, rendered.mimetype or "", headers)
                cache.put(key, fresh)
                hit = fresh
            body, status, _mimetype, headers = hit
            resp = Response(body, status=status, headers=headers)
        resp.set_etag(etag)
        resp.last_modified = changed_at
        resp.headers["Cache-Control"] = "public, no-cache"
        resp.vary.update(("Accept-Language", "Cookie"))
        return resp

    return wrapper

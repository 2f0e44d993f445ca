"""The delivery service: put messages into the outbox, read the inbox, count and retry deliveries.

Every package sends through these two functions (session first; they may flush, never commit;
the caller's transaction makes the rows, so a rolled-back action sends nothing):

``enqueue(session, *, chamber_id, source, channel, recipients, subject, text, html="", link="",
kind="announcement", language=None) -> int``
    For announcements and anything whose audience the caller has already chosen. One delivery
    row per recipient for ``channel`` ("inbox" | "email" | "webhook"); ``recipients`` are
    `chamber.models.User` (inbox or email), `Subscriber` (email), `Webhook` (webhook), plain email
    addresses (email), or `Recipient` values. ``html`` is sanitised here (nh3); ``link`` is a path
    on this site or an absolute URL. Returns how many rows are new: the key (source, channel,
    recipient) is unique, so enqueueing the same source again adds nothing (insert-or-ignore, on
    SQLite and PostgreSQL). Inbox rows are delivered at once, in the caller's transaction (the
    message and the "sent" mark commit together); email and webhook rows wait for the sender.

``notify(session, *, chamber_id, kind, source, recipients, context, link, channels=None) -> int``
    For events a person must act on. ``kind`` is a declared notification kind (the core's
    `CORE_KINDS`, or a feature's ``Feature.notification_kinds``); ``recipients`` are users (objects
    or ids); each gets the kind on the channels they chose (`wanted`; defaults: inbox and email),
    rendered in their own language from the kind's template with ``context`` (a mapping, or a
    callable ``context(user) -> mapping`` for per-person content such as what someone owes).
    ``channels`` narrows the channels (e.g. ``("inbox",)``). Needs an app context.

    Template of a kind "<package>.<name>": ``<package>/notifications/<name>.txt`` (the core's:
    ``notifications/kinds/<name>.txt``). Its first line is the subject, then an empty line, then
    the text. An optional ``….html`` beside it is the HTML body; without one the text is shown.
    The ``link`` (where to act) is added to every message.

Queries: `delivery_counts(session, chamber_id, source)` → {"pending", "sending", "sent", "failed"}
counts (``source`` may end with ``*`` to count a prefix), `retry_failed(session, chamber_id, …)`,
`inbox(session, user_id, …)`, `unread_count(session, user_id)`, `mark_read(session, user_id, ids)`,
`wanted(session, users, kind, channel)`.

Sources: "announcement:<id>", "event:<kind>:<object id>" (see `event_source`), "trust:…".
"""
from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import Invalid, RateLimited
from ..models import User
from ..rules import N_
from ..tokens import hash_token
from .models import (
    CHANNELS,
    USER_CHANNELS,
    Delivery,
    InboxMessage,
    NotificationPreference,
    ScheduledTask,
    Subscriber,
    Webhook,
)

#: the core's notification kinds (code → description); features add theirs in their Feature
CORE_KINDS: dict[str, str] = {
    "chamber.application_approved": N_("Your application to join the chamber was approved"),
    "chamber.application_rejected": N_("Your application to join the chamber was rejected (with the reason)"),
    "chamber.complaint_received": N_("A shopper complained about your business (respond by the deadline)"),
    "chamber.complaint_responded": N_("A merchant responded to a complaint: the chamber can decide"),
    "chamber.complaint_decided": N_("The chamber decided a complaint about your business"),
    "chamber.review_published": N_("A shopper's review of your business was published (you may reply)"),
}

#: the kinds of `enqueue` by default: announcements the organizers write
ANNOUNCEMENT_KIND = "announcement"

#: channel → on unless the user turned it off
DEFAULT_CHANNELS: dict[str, bool] = {"inbox": True, "email": True}

#: tags and attributes kept in HTML bodies (links get rel="noopener noreferrer")
ALLOWED_TAGS = {"a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "i", "li", "ol", "p",
                "pre", "strong", "ul", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


@dataclass(frozen=True)
class Recipient:
    """Who a delivery goes to. `key` is unique per person/address/hook ("user:12", "email:x@y")."""

    key: str
    user_id: int | None = None
    subscriber_id: int | None = None
    webhook_id: int | None = None
    email: str | None = None
    language: str | None = None


RecipientLike = User | Subscriber | Webhook | Recipient | str


def recipient(value: RecipientLike) -> Recipient:
    """A Recipient from a user, subscriber, webhook, email address or Recipient."""
    if isinstance(value, Recipient):
        return value
    if isinstance(value, User):
        return Recipient(f"user:{value.id}", user_id=value.id, email=value.email, language=value.locale)
    if isinstance(value, Subscriber):
        return Recipient(f"subscriber:{value.id}", subscriber_id=value.id, email=value.email,
                         language=value.language)
    if isinstance(value, Webhook):
        return Recipient(f"webhook:{value.id}", webhook_id=value.id)
    if isinstance(value, str) and "@" in value:
        address = value.strip().lower()
        return Recipient(f"email:{address}", email=address)
    raise TypeError(f"not a recipient: {value!r}")


def event_source(kind: str, object_id: int | str) -> str:
    """The source of an event notification: "event:<kind>:<object id>"."""
    return f"event:{kind}:{object_id}"


def sanitize_html(html: str) -> str:
    """HTML safe to show inside a page or an email: only ALLOWED_TAGS, links with safe schemes."""
    if not html:
        return ""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs (escaped)."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(
        str(Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in p.split("\n"))))
        for p in paragraphs
    )


def absolute_link(link: str, public_url: str) -> str:
    """A link for a message: a path on this site becomes an absolute URL."""
    if link.startswith("/"):
        return public_url.rstrip("/") + link
    return link


def _insert_ignore(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert delivery rows, skipping those whose (source, channel, recipient) exists; the new ids."""
    if not rows:
        return []
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    key = ["source", "channel", "recipient"]
    stmt: Any
    if session.get_bind().dialect.name == "postgresql":
        stmt = pg_insert(Delivery).on_conflict_do_nothing(index_elements=key)
    else:
        stmt = sqlite_insert(Delivery).on_conflict_do_nothing(index_elements=key)
    ids: list[int] = []
    for start in range(0, len(rows), 1000):
        ids.extend(session.scalars(stmt.returning(Delivery.id), rows[start:start + 1000]))
    return ids


def _public_url() -> str:
    from flask import has_app_context

    from ..urls import public_root

    return public_root() if has_app_context() else ""


def _default_language() -> str:
    from flask import current_app, has_app_context

    return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")) if has_app_context() else "zh_CN"


def _check_recipient(channel: str, r: Recipient) -> None:
    if channel == "inbox" and r.user_id is None:
        raise ValueError(f"an inbox delivery needs a user, not {r.key}")
    if channel == "email" and not r.email:
        raise ValueError(f"an email delivery needs an address, not {r.key}")
    if channel == "webhook" and r.webhook_id is None:
        raise ValueError(f"a webhook delivery needs a webhook, not {r.key}")


def _row(chamber_id: int, source: str, channel: str, kind: str, r: Recipient, subject: str, text: str,
         html: str, link: str, language: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "chamber_id": chamber_id, "source": source, "channel": channel, "recipient": r.key, "kind": kind,
        "user_id": r.user_id, "subscriber_id": r.subscriber_id, "webhook_id": r.webhook_id,
        "email": r.email if channel == "email" else None, "status": "pending", "attempts": 0,
        "next_attempt_at": now, "message_key": uuid.uuid4().hex, "subject": subject[:300], "body_text": text,
        "body_html": html, "link": link[:500], "language": language, "created_at": now,
    }


def enqueue(session: Session, *, chamber_id: int, source: str, channel: str, recipients: Iterable[RecipientLike],
            subject: str, text: str, html: str = "", link: str = "", kind: str = ANNOUNCEMENT_KIND,
            language: str | None = None) -> int:
    """One delivery per recipient over channel; the number of new rows (see the module docstring)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; known: {CHANNELS}")
    now = utcnow()
    clean_html = sanitize_html(html)
    url = absolute_link(link, _public_url())
    rows = []
    seen: set[str] = set()
    for value in recipients:
        r = recipient(value)
        _check_recipient(channel, r)
        if r.key in seen:
            continue
        seen.add(r.key)
        rows.append(_row(chamber_id, source, channel, kind, r, subject, text, clean_html, url,
                         language or r.language or _default_language(), now))
    ids = _insert_ignore(session, rows)
    if channel == "inbox":
        deliver_inbox(session, ids)
    return len(ids)


def deliver_inbox(session: Session, delivery_ids: Sequence[int]) -> int:
    """Write the inbox messages of pending inbox deliveries and mark them sent (the caller's
    transaction: both or neither). Returns how many were delivered."""
    now = utcnow()
    delivered = 0
    for start in range(0, len(delivery_ids), 1000):
        chunk = list(delivery_ids[start:start + 1000])
        deliveries = session.execute(
            select(Delivery.id, Delivery.chamber_id, Delivery.user_id, Delivery.kind, Delivery.source,
                   Delivery.subject, Delivery.body_text, Delivery.body_html, Delivery.link)
            .where(Delivery.id.in_(chunk), Delivery.channel == "inbox", Delivery.status.in_(("pending", "sending")))
        ).all()
        if not deliveries:
            continue
        session.execute(insert(InboxMessage), [
            {"chamber_id": d.chamber_id, "user_id": d.user_id, "delivery_id": d.id, "kind": d.kind,
             "source": d.source, "title": d.subject, "body_text": d.body_text, "body_html": d.body_html,
             "link": d.link, "created_at": now}
            for d in deliveries
        ])
        session.execute(
            update(Delivery).where(Delivery.id.in_([d.id for d in deliveries]))
            .values(status="sent", sent_at=now, attempts=Delivery.attempts + 1, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        delivered += len(deliveries)
    return delivered


# --- event notifications --------------------------------------------------------------------


def wanted(session: Session, user_ids: Iterable[int], kind: str, channel: str) -> set[int]:
    """The users among user_ids who get kind over channel (their choice, else the default)."""
    ids = set(user_ids)
    if not ids:
        return set()
    choices = dict(session.execute(
        select(NotificationPreference.user_id, NotificationPreference.enabled).where(
            NotificationPreference.user_id.in_(ids), NotificationPreference.kind == kind,
            NotificationPreference.channel == channel)
    ).all())
    default = DEFAULT_CHANNELS.get(channel, False)
    return {uid for uid in ids if choices.get(uid, default)}


def kind_template(kind: str, extension: str) -> str:
    """The template of a kind: "<package>/notifications/<name>.<ext>" (core: notifications/kinds/)."""
    package, _, name = kind.partition(".")
    if not name:
        raise ValueError(f"a notification kind is '<package>.<name>', not {kind!r}")
    if package == "chamber":
        return f"notifications/kinds/{name}.{extension}"
    return f"{package}/notifications/{name}.{extension}"


def render_kind(kind: str, language: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subject, text, html) of a kind in language: its template's first line, the rest, the HTML."""
    from flask import render_template
    from flask_babel import force_locale
    from jinja2 import TemplateNotFound

    with force_locale(language):
        rendered = render_template(kind_template(kind, "txt"), **context)
        try:
            html = render_template(kind_template(kind, "html"), **context)
        except TemplateNotFound:
            html = ""
    subject, _, text = rendered.strip().partition("\n")
    text = text.strip()
    return " ".join(subject.split()), text, sanitize_html(html) if html else text_to_html(text)


def known_kinds() -> dict[str, str]:
    """Every notification kind: the core's and the enabled features' (code → description)."""
    from flask import current_app, has_app_context

    from ..features import notification_kinds

    kinds = dict(CORE_KINDS)
    kinds[ANNOUNCEMENT_KIND] = N_("Announcements of the chambers you belong to")
    if has_app_context():
        kinds.update(notification_kinds(current_app.extensions.get("chamber.features", [])))
    return kinds


def notify(session: Session, *, chamber_id: int, kind: str, source: str, recipients: Iterable[User | int],
           context: Mapping[str, Any] | Callable[[User], Mapping[str, Any]], link: str,
           channels: Sequence[str] | None = None) -> int:
    """Tell users about an event on the channels they chose, in their language (see the module
    docstring). Returns how many deliveries are new."""
    from flask import has_app_context

    if not has_app_context():  # requests, jobs and commands all have one; a bare unit test may not
        import logging

        logging.getLogger(__name__).warning("notify(%s, %s) outside an app context: nothing sent", kind, source)
        return 0
    if kind not in known_kinds():
        raise ValueError(f"undeclared notification kind {kind!r}")
    chosen = tuple(channels) if channels is not None else USER_CHANNELS
    bad = [c for c in chosen if c not in USER_CHANNELS]
    if bad:
        raise ValueError(f"notify sends to users over {USER_CHANNELS}, not {bad}")
    given = list(recipients)
    ids = [u.id if isinstance(u, User) else int(u) for u in given]
    users = {u.id: u for u in given if isinstance(u, User)}
    missing = [uid for uid in ids if uid not in users]
    if missing:
        users.update({u.id: u for u in session.scalars(select(User).where(User.id.in_(missing)))})
    per_channel = {channel: wanted(session, users, kind, channel) for channel in chosen}
    default_language = _default_language()
    url = absolute_link(link, _public_url())
    now = utcnow()
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rendered: dict[str, tuple[str, str, str]] = {}
    for uid in dict.fromkeys(ids):
        user = users.get(uid)
        targets = [channel for channel in chosen if uid in per_channel[channel]]
        if user is None or not targets:
            continue
        language = user.locale or default_language
        if callable(context):
            subject, text, html = render_kind(kind, language, {**context(user), "user": user, "link": url})
        else:
            if language not in rendered:
                rendered[language] = render_kind(kind, language, {**context, "link": url})
            subject, text, html = rendered[language]
        r = recipient(user)
        for channel in targets:
            rows[channel].append(_row(chamber_id, source, channel, kind, r, subject, text, html, url, language, now))
    new = 0
    for channel, channel_rows in rows.items():
        ids_new = _insert_ignore(session, channel_rows)
        if channel == "inbox":
            deliver_inbox(session, ids_new)
        new += len(ids_new)
    return new


# --- counts, retries ------------------------------------------------------------------------


def _source_is(source: str) -> ColumnElement[bool]:
    """Delivery.source is source, or starts with it when it ends in "*"."""
    if source.endswith("*"):
        prefix = source[:-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return Delivery.source.like(prefix + "%", escape="\\")
    return Delivery.source == source


def delivery_counts(session: Session, chamber_id: int, source: str | None = None,
                    channel: str | None = None) -> dict[str, int]:
    """{"pending", "sending", "sent", "failed"} → how many deliveries of the chamber (of source, which
    may end in "*" for a prefix such as "announcement:*"; of channel) are in that state."""
    stmt = select(Delivery.status, func.count()).where(Delivery.chamber_id == chamber_id)
    if source is not None:
        stmt = stmt.where(_source_is(source))
    if channel is not None:
        stmt = stmt.where(Delivery.channel == channel)
    counts = {"pending": 0, "sending": 0, "sent": 0, "failed": 0}
    counts.update({status: int(n) for status, n in session.execute(stmt.group_by(Delivery.status))})
    return counts


def counts_by_source(session: Session, chamber_id: int, sources: Sequence[str]) -> dict[str, dict[str, int]]:
    """delivery_counts for many sources in one query (a list page)."""
    result = {s: {"pending": 0, "sending": 0, "sent": 0, "failed": 0} for s in sources}
    if not sources:
        return result
    rows = session.execute(
        select(Delivery.source, Delivery.status, func.count())
        .where(Delivery.chamber_id == chamber_id, Delivery.source.in_(list(sources)))
        .group_by(Delivery.source, Delivery.status)
    )
    for source, status, n in rows:
        result[source][status] = int(n)
    return result


def retry_failed(session: Session, chamber_id: int, source: str | None = None,
                 delivery_ids: Sequence[int] | None = None) -> int:
    """Put the chamber's failed deliveries (of source, or these ids) back in the queue, with a fresh
    count of attempts; the same message key, so a receiver can still drop a copy. How many."""
    stmt = update(Delivery).where(Delivery.chamber_id == chamber_id, Delivery.status == "failed")
    if source is not None:
        stmt = stmt.where(_source_is(source))
    if delivery_ids is not None:
        stmt = stmt.where(Delivery.id.in_(list(delivery_ids)))
    result = session.execute(
        stmt.values(status="pending", attempts=0, next_attempt_at=utcnow(), lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def failed_deliveries(session: Session, chamber_id: int, source: str | None = None,
                      limit: int = 100) -> list[Delivery]:
    """The chamber's failed deliveries, newest first, with their reasons."""
    stmt = select(Delivery).where(Delivery.chamber_id == chamber_id, Delivery.status == "failed")
    if source is not None:
        stmt = stmt.where(_source_is(source))
    return list(session.scalars(stmt.order_by(Delivery.id.desc()).limit(limit)))


# --- the inbox ------------------------------------------------------------------------------


def inbox(session: Session, user_id: int, *, chamber_id: int | None = None, limit: int = 50,
          before_id: int | None = None, kind_prefix: str | None = None) -> list[InboxMessage]:
    """The user's messages, newest first (of one chamber, if given; older than before_id; of the kinds
    starting with kind_prefix: a feature package's own kinds, "<package>.")."""
    stmt = select(InboxMessage).where(InboxMessage.user_id == user_id)
    if chamber_id is not None:
        stmt = stmt.where(InboxMessage.chamber_id == chamber_id)
    if kind_prefix is not None:
        stmt = stmt.where(InboxMessage.kind.startswith(kind_prefix, autoescape=True))
    if before_id is not None:
        stmt = stmt.where(InboxMessage.id < before_id)
    return list(session.scalars(stmt.order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(limit)))


def unread_count(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(InboxMessage).where(
        InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))) or 0)


def mark_read(session: Session, user_id: int, message_ids: Sequence[int] | None = None) -> int:
    """Mark the user's messages read (these ids, or all); how many changed."""
    stmt = update(InboxMessage).where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))
    if message_ids is not None:
        stmt = stmt.where(InboxMessage.id.in_(list(message_ids)))
    result = session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- webhooks -------------------------------------------------------------------------------


def list_webhooks(session: Session, chamber_id: int) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.chamber_id == chamber_id).order_by(Webhook.id)))


def get_webhook(session: Session, chamber_id: int, webhook_id: int) -> Webhook | None:
    return session.scalar(select(Webhook).where(Webhook.chamber_id == chamber_id, Webhook.id == webhook_id))


def add_webhook(session: Session, chamber_id: int, *, name: str, url: str, secret: str | None = None) -> Webhook:
    """A new webhook of the chamber; its secret is generated unless given. Invalid for a URL that is
    not http(s) (or has spaces, no host, credentials)."""
    import secrets as secrets_mod

    from flask_babel import gettext as _

    from .rules import webhook_url_problem

    url = url.strip()
    if webhook_url_problem(url):
        raise Invalid(_("A webhook URL starts with http:// or https:// and names a host, without spaces or a "
                        "password."), field="url")
    if len(list_webhooks(session, chamber_id)) >= MAX_WEBHOOKS:
        raise Invalid(_("A chamber has at most %(n)d webhooks: remove one first.", n=MAX_WEBHOOKS), field="url")
    hook = Webhook(chamber_id=chamber_id, name=name.strip(), url=url, secret=secret or secrets_mod.token_urlsafe(32))
    session.add(hook)
    session.flush()
    return hook


def remove_webhook(session: Session, hook: Webhook) -> None:
    """Remove a webhook; its deliveries not sent yet are dropped with it."""
    session.delete(hook)
    session.flush()


MAX_WEBHOOKS = 10


# --- preferences and unsubscribing ----------------------------------------------------------


def preferences(session: Session, user_id: int, kinds: Iterable[str]) -> dict[str, dict[str, bool]]:
    """kind → channel → on/off for the user (their choice, else the default)."""
    chosen = {(p.kind, p.channel): p.enabled for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
    return {kind: {channel: chosen.get((kind, channel), DEFAULT_CHANNELS[channel]) for channel in USER_CHANNELS}
            for kind in kinds}


def set_preference(session: Session, user_id: int, kind: str, channel: str, enabled: bool) -> bool:
    """Turn kind on channel on or off for the user; whether that changed anything."""
    if channel not in USER_CHANNELS:
        raise ValueError(f"users choose {USER_CHANNELS}, not {channel!r}")
    row = session.get(NotificationPreference, (user_id, kind, channel))
    before = row.enabled if row is not None else DEFAULT_CHANNELS[channel]
    if row is None:
        session.add(NotificationPreference(user_id=user_id, kind=kind, channel=channel, enabled=enabled))
    else:
        row.enabled = enabled
    session.flush()
    return before != enabled


def unsubscribe(session: Session, recipient_key: str, chamber_id: int, kind: str) -> str:
    """Stop the email a one-click unsubscribe token names: a user's kind, or a subscription.

    Returns what was stopped (a description for the page); Conflict if it was already stopped
    (the link was used before), Invalid if the person or subscription no longer exists.
    """
    from flask_babel import gettext as _

    from ..errors import Conflict

    what, _sep, ident = recipient_key.partition(":")
    if what == "user" and ident.isdigit():
        if session.get(User, int(ident)) is None:
            raise Invalid(_("This unsubscribe link belongs to an account that no longer exists."))
        if not set_preference(session, int(ident), kind, "email", False):
            raise Conflict(_("This link was used already: you no longer get these emails."))
        return _("You no longer get these emails. You can turn them on again in your notification settings.")
    if what == "subscriber" and ident.isdigit():
        subscriber = session.scalar(select(Subscriber).where(Subscriber.id == int(ident),
                                                             Subscriber.chamber_id == chamber_id).with_for_update())
        if subscriber is None:
            raise Invalid(_("This subscription no longer exists."))
        if subscriber.status == "unsubscribed":
            raise Conflict(_("This link was used already: you are unsubscribed."))
        subscriber.status = "unsubscribed"
        subscriber.unsubscribed_at = utcnow()
        subscriber.confirm_hash = None
        # what was waiting for this address is not sent any more
        session.execute(update(Delivery).where(Delivery.subscriber_id == subscriber.id,
                                               Delivery.status == "pending")
                        .values(status="failed", last_error="unsubscribed")
                        .execution_options(synchronize_session=False))
        session.flush()
        return _("You are unsubscribed: no more emails from this chamber to %(email)s.", email=subscriber.email)
    raise Invalid(_("This unsubscribe link is not valid."))


def recent_sources(session: Session, chamber_id: int, limit: int = 20) -> list[tuple[str, dict[str, int]]]:
    """The chamber's latest sources (newest first) with their delivery counts."""
    newest = list(session.execute(
        select(Delivery.source, func.max(Delivery.id).label("last")).where(Delivery.chamber_id == chamber_id)
        .group_by(Delivery.source).order_by(func.max(Delivery.id).desc()).limit(limit)).all())
    sources = [row.source for row in newest]
    counts = counts_by_source(session, chamber_id, sources)
    return [(source, counts[source]) for source in sources]


# --- scheduled tasks (run once at a time by the scheduler process) --------------------------


def schedule_task(session: Session, *, chamber_id: int, key: str, run_at: dt.datetime, function: str,
                  payload: Mapping[str, Any] | None = None, on_missed: str | None = None) -> ScheduledTask:
    """Run function(app, key, payload) once at run_at (aware) in the scheduler process; a task with
    the same key is replaced (new time, payload; pending again). In the caller's transaction: the
    scheduler sees it once that commits, within DUE_POLL_SECONDS. A time in the past runs at once
    (refusing past times is the caller's rule). See chamber/scheduler.py."""
    if run_at.tzinfo is None:
        raise ValueError("run_at must be an aware datetime")
    task = session.scalar(select(ScheduledTask).where(ScheduledTask.key == key).with_for_update())
    now = utcnow()
    if task is None:
        task = ScheduledTask(chamber_id=chamber_id, key=key, function=function, on_missed=on_missed,
                             payload=dict(payload or {}), run_at=run_at, status="pending", version=1,
                             synced_version=0, created_at=now, updated_at=now)
        session.add(task)
    else:
        if task.chamber_id != chamber_id:
            raise ValueError(f"task {key} belongs to another chamber")
        task.function, task.on_missed, task.payload, task.run_at = function, on_missed, dict(payload or {}), run_at
        task.status, task.version, task.updated_at = "pending", task.version + 1, now
        task.last_error, task.fired_at, task.finished_at = None, None, None
    session.flush()
    return task


def cancel_task(session: Session, chamber_id: int, key: str) -> bool:
    """Cancel a pending task; whether there was one to cancel."""
    task = session.scalar(select(ScheduledTask).where(ScheduledTask.key == key, ScheduledTask.chamber_id == chamber_id)
                          .with_for_update())
    if task is None or task.status != "pending":
        return False
    task.status, task.version, task.updated_at = "cancelled", task.version + 1, utcnow()
    session.flush()
    return True


def get_task(session: Session, chamber_id: int, key: str) -> ScheduledTask | None:
    """A task by key: its status ("pending", "running", "done", "missed", "failed", "cancelled"),
    run_at, fired_at, finished_at and last_error (why it failed or was missed)."""
    return session.scalar(select(ScheduledTask).where(ScheduledTask.key == key,
                                                      ScheduledTask.chamber_id == chamber_id))


# --- public subscribers (double opt-in) -----------------------------------------------------

#: the kind of the confirmation mail (transactional: no unsubscribe link, no preference)
CONFIRM_KIND = "chamber.subscription_confirm"
#: confirmation mails one address may get per day (all chambers together)
CONFIRMATIONS_PER_EMAIL_PER_DAY = 3


def request_subscription(session: Session, *, chamber_id: int, campaign_id: int, email: str, language: str,
                         ip_hash: str, confirm_url: Callable[[str], str], subject: str, text: str,
                         now: dt.datetime | None = None) -> Subscriber:
    """Ask email to confirm a subscription to the chamber (campaign_id 0) or one campaign: a pending
    subscriber and a confirmation mail with a new link (confirm_url(token); "%(link)s" in text).
    Nothing is subscribed until the link is followed (confirm_subscription). An address already
    confirmed gets no mail and the same answer (nobody learns who subscribed). RateLimited after
    CONFIRMATIONS_PER_EMAIL_PER_DAY mails to the address in a day."""
    import secrets as secrets_mod

    now = now or utcnow()
    address = email.strip().lower()
    sent_today = session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.kind == CONFIRM_KIND, Delivery.email == address, Delivery.created_at > now - dt.timedelta(days=1)))
    subscriber = session.scalar(select(Subscriber).where(
        Subscriber.chamber_id == chamber_id, Subscriber.campaign_id == campaign_id, Subscriber.email == address)
        .with_for_update())
    if subscriber is not None and subscriber.status == "confirmed":
        return subscriber
    if (sent_today or 0) >= CONFIRMATIONS_PER_EMAIL_PER_DAY:
        from flask_babel import gettext as _

        raise RateLimited(_("We sent this address %(n)d confirmation emails today already. Follow the link in "
                            "one of them, or try again tomorrow.", n=CONFIRMATIONS_PER_EMAIL_PER_DAY), field="email")
    token = secrets_mod.token_urlsafe(24)
    if subscriber is None:
        subscriber = Subscriber(chamber_id=chamber_id, campaign_id=campaign_id, email=address, language=language,
                                status="pending", unsubscribe_hash=hash_token(secrets_mod.token_urlsafe(24)),
                                created_at=now)
        session.add(subscriber)
    subscriber.status, subscriber.confirm_hash, subscriber.language = "pending", hash_token(token), language
    subscriber.ip_hash, subscriber.unsubscribed_at = ip_hash, None
    session.flush()
    link = confirm_url(token)
    enqueue(session, chamber_id=chamber_id, source=f"subscription:{subscriber.id}:{hash_token(token)[:16]}",
            channel="email", recipients=[Recipient(f"email:{address}", email=address, language=language)],
            subject=subject, text=text.replace("%(link)s", link), link=link, kind=CONFIRM_KIND, language=language)
    return subscriber


def confirm_subscription(session: Session, token: str, now: dt.datetime | None = None) -> Subscriber:
    """Confirm the subscription whose link carries token. Invalid for an unknown (forged) token,
    Conflict for one used already."""
    from flask_babel import gettext as _

    from ..errors import Conflict

    if not token or len(token) > 100:
        raise Invalid(_("This confirmation link is not valid. Subscribe again to get a new one."))
    subscriber = session.scalar(select(Subscriber).where(Subscriber.confirm_hash == hash_token(token))
                                .with_for_update())
    if subscriber is None:
        raise Invalid(_("This confirmation link is not valid or was used already. Subscribe again to get a new "
                        "one."))
    if subscriber.status == "confirmed":
        raise Conflict(_("This subscription is confirmed already."))
    subscriber.status, subscriber.confirmed_at, subscriber.confirm_hash = "confirmed", now or utcnow(), None
    session.flush()
    return subscriber


def find_campaign(session: Session, chamber_id: int, key: str) -> tuple[int, str] | None:
    """(id, title) of a public campaign of the chamber by its slug (features.lookup_campaign)."""
    from flask import current_app

    from ..features import enabled, lookup_campaign

    return lookup_campaign(enabled(current_app), session, chamber_id, key)


@dataclass(frozen=True)
class MessageChamber:
    """The chamber an inbox message comes from: its name, and the zone its times are shown in."""

    name: str
    timezone: str


def message_chambers(session: Session, chamber_ids: Iterable[int]) -> dict[int, MessageChamber]:
    """The chambers of these inbox messages by id: each message is shown in its own chamber's zone."""
    from ..models import Chamber

    ids = set(chamber_ids)
    if not ids:
        return {}
    rows = session.execute(select(Chamber.id, Chamber.name, Chamber.timezone).where(Chamber.id.in_(ids))).all()
    return {row[0]: MessageChamber(row[1], row[2]) for row in rows}


def inbox_message(session: Session, user_id: int, message_id: int) -> InboxMessage | None:
    """One of the user's messages (None for anyone else's)."""
    return session.scalar(select(InboxMessage).where(InboxMessage.id == message_id, InboxMessage.user_id == user_id))

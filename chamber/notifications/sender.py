"""The sender: claim due deliveries, send them, mark them sent (or retry later, or failed).

Claiming is one short transaction that moves rows from pending to sending with a lease:

    UPDATE deliveries SET status='sending', lease_until=now+lease, attempts=attempts+1
    WHERE id IN (SELECT id FROM deliveries WHERE <due> ORDER BY next_attempt_at, id LIMIT n
                 FOR UPDATE SKIP LOCKED)                      -- the FOR UPDATE only on PostgreSQL
    RETURNING …

On PostgreSQL concurrent senders skip each other's locked rows. SQLite has no row locks (and
SQLAlchemy drops `skip_locked` there without a word): our engine starts every transaction with
`BEGIN IMMEDIATE` (chamber/db.py), so claims are serialised and each sees the other's committed
update. A row is due when it is pending and its time has come, or when it is "sending" and its
lease ran out — its sender died; it is sent again, with the same Message-ID / Idempotency-Key.

Then each message is sent outside any transaction and marked in its own small transaction, fenced
on (status sending, attempts as claimed), so a sender whose lease ran out and whose row was taken
over cannot overwrite the new owner's result. A crash between the remote server's acceptance and
our mark re-sends at most the claimed, unmarked messages (the in-flight ones).

Inbox rows are claimed and delivered in ONE transaction (operations.deliver_inbox).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import User
from . import mail, rules, webhooks
from .models import Delivery, Webhook
from .operations import deliver_inbox

log = logging.getLogger(__name__)


@dataclass
class SendResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SendResult) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.errors.extend(other.errors)

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


def _due(now: dt.datetime) -> Any:
    return or_(and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
               and_(Delivery.status == "sending", Delivery.lease_until < now))


def claim(session: Session, *, channels: Sequence[str], limit: int, lease: dt.timedelta,
          now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Move up to limit due deliveries of channels to "sending" for this sender; their rows."""
    now = now or utcnow()
    pick = (select(Delivery.id).where(_due(now), Delivery.channel.in_(list(channels)))
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)
            .with_for_update(skip_locked=True))
    stmt = (update(Delivery).where(Delivery.id.in_(pick))
            .values(status="sending", lease_until=now + lease, attempts=Delivery.attempts + 1)
            .returning(*Delivery.__table__.c)
            .execution_options(synchronize_session=False))
    rows = [dict(row) for row in session.execute(stmt).mappings()]
    rows.sort(key=lambda r: (r["next_attempt_at"], r["id"]))
    return rows


def mark_sent(session: Session, row: Mapping[str, Any], now: dt.datetime | None = None) -> bool:
    """Mark a claimed delivery sent, if this sender still owns it."""
    result = session.execute(
        update(Delivery).where(Delivery.id == row["id"], Delivery.status == "sending",
                               Delivery.attempts == row["attempts"])
        .values(status="sent", sent_at=now or utcnow(), lease_until=None, last_error=None)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_failed_attempt(session: Session, row: Mapping[str, Any], error: str, *, max_attempts: int,
                        base: dt.timedelta, now: dt.datetime | None = None) -> str:
    """Record a failed attempt: pending again later, or failed for good; the new status."""
    now = now or utcnow()
    after = rules.after_failure(row["attempts"], now, max_attempts=max_attempts, base=base)
    session.execute(
        update(Delivery).where(Delivery.id == row["id"], Delivery.status == "sending",
                               Delivery.attempts == row["attempts"])
        .values(status=after.status, next_attempt_at=after.next_attempt_at, lease_until=None,
                last_error=error[:2000])
        .execution_options(synchronize_session=False))
    return after.status


def deliver_due_inbox(session: Session, limit: int = 1000, now: dt.datetime | None = None) -> int:
    """Deliver due inbox rows (left pending by a caller) in the caller's transaction."""
    now = now or utcnow()
    ids = list(session.scalars(
        select(Delivery.id).where(_due(now), Delivery.channel == "inbox")
        .order_by(Delivery.id).limit(limit).with_for_update(skip_locked=True)))
    return deliver_inbox(session, ids) if ids else 0


class Sender:
    """Sends batches of email and webhook deliveries for one app (one per process or thread)."""

    def __init__(self, app: Flask, *, batch: int | None = None, lease: dt.timedelta | None = None) -> None:
        self.app = app
        config = app.config
        self.batch = batch or int(config.get("DELIVERY_BATCH", 100))
        self.lease = lease or dt.timedelta(seconds=float(config.get("DELIVERY_LEASE_SECONDS", 120)))
        self.max_attempts = int(config.get("DELIVERY_MAX_ATTEMPTS", rules.MAX_ATTEMPTS))
        self.base = dt.timedelta(seconds=float(config.get("DELIVERY_RETRY_SECONDS", rules.BASE_DELAY.total_seconds())))
        self.webhook_timeout = float(config.get("WEBHOOK_TIMEOUT", 5))
        #: messages of a batch in flight at once, each thread with its own SMTP connection: the
        #: wait for the server overlaps with building the next message (marks stay in this thread)
        self.connections = max(1, int(config.get("DELIVERY_CONNECTIONS", 4)))
        self.sessionmaker = app.extensions["chamber.db"].sessionmaker
        #: rendered email bodies by content and language (one announcement to many renders once)
        self._bodies: dict[Any, tuple[str, str]] = {}

    def run_once(self) -> SendResult:
        """One batch: inbox stragglers, then claimed email and webhook deliveries."""
        with self.sessionmaker() as session, session.begin():
            inbox = deliver_due_inbox(session)
        result = SendResult(sent=inbox)
        with self.sessionmaker() as session, session.begin():
            rows = claim(session, channels=("email", "webhook"), limit=self.batch, lease=self.lease)
        if not rows:
            return result
        names, hooks = self._lookups(rows)
        if self.connections == 1 or len(rows) == 1:
            transport = mail.transport_for(self.app)
            try:
                with self.app.app_context():
                    for row in rows:
                        result.add(self._mark(row, self._deliver(row, transport, names, hooks)))
            finally:
                transport.close()
            return result
        return self._run_concurrently(rows, names, hooks, result)

    def _run_concurrently(self, rows: list[dict[str, Any]], names: Mapping[int, str],
                          hooks: Mapping[int, tuple[str, str, bool]], result: SendResult) -> SendResult:
        """Send the batch over `connections` threads, each with its own transport; every message is
        marked here, in this one thread, as soon as it is sent — those done together in one
        transaction — so SQLite writers never queue up, and a crash re-sends at most the messages
        still marked "sending", as with one connection."""
        local = threading.local()
        transports: list[mail.Transport] = []
        lock = threading.Lock()

        def deliver(row: dict[str, Any]) -> tuple[dict[str, Any], str]:
            transport = getattr(local, "transport", None)
            if transport is None:
                transport = local.transport = mail.transport_for(self.app)
                with lock:
                    transports.append(transport)
            with self.app.app_context():
                return row, self._deliver(row, transport, names, hooks)

        try:
            with ThreadPoolExecutor(max_workers=self.connections) as pool:
                pending = {pool.submit(deliver, row) for row in rows}
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    result.add(self._mark_all([future.result() for future in done]))
        finally:
            for transport in transports:
                transport.close()
        return result

    def run_until_idle(self, max_seconds: float = 50.0) -> SendResult:
        """Batches until nothing is due (or max_seconds passed): what the scheduler's job calls."""
        import time

        deadline = time.monotonic() + max_seconds
        total = SendResult()
        while True:
            result = self.run_once()
            total.add(result)
            if result.total == 0 or time.monotonic() > deadline:
                return total

    def _lookups(self, rows: list[dict[str, Any]]) -> tuple[dict[int, str], dict[int, tuple[str, str, bool]]]:
        user_ids = {r["user_id"] for r in rows if r["user_id"]}
        hook_ids = {r["webhook_id"] for r in rows if r["webhook_id"]}
        with self.sessionmaker() as session:
            names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all()) \
                if user_ids else {}
            hooks = {h.id: (h.url, h.secret, h.active) for h in session.scalars(
                select(Webhook).where(Webhook.id.in_(hook_ids)))} if hook_ids else {}
        return names, hooks

    def _deliver(self, row: dict[str, Any], transport: mail.Transport, names: Mapping[int, str],
                 hooks: Mapping[int, tuple[str, str, bool]]) -> str:
        """Send one message; "" when it went, else why not."""
        error = ""
        try:
            if row["channel"] == "email":
                message = mail.build_message(self.app, row, names.get(row["user_id"], "") if row["user_id"] else "",
                                             cache=self._bodies)
                transport.send(message, row["email"])
            else:
                hook = hooks.get(row["webhook_id"])
                if hook is None or not hook[2]:
                    error = "the webhook was removed or turned off"
                else:
                    webhooks.post(hook[0], hook[1], row, timeout=self.webhook_timeout)
        except Exception as err:  # any failure of one message is that message's failure, retried
            error = f"{type(err).__name__}: {err}"[:2000] or type(err).__name__
        return error

    def _mark_all(self, outcomes: list[tuple[dict[str, Any], str]]) -> SendResult:
        """Mark messages sent (or their attempts failed) in one transaction."""
        result = SendResult()
        failures = []
        with self.sessionmaker() as session, session.begin():
            for row, error in outcomes:
                if not error:
                    mark_sent(session, row)
                    result.sent += 1
                    continue
                status = mark_failed_attempt(session, row, error, max_attempts=self.max_attempts, base=self.base)
                failures.append((row, error))
                result.add(SendResult(retried=int(status == "pending"), failed=int(status == "failed"),
                                      errors=[error]))
        for row, error in failures:
            log.warning("delivery %s (%s) attempt %s failed: %s", row["id"], row["channel"], row["attempts"], error)
        return result

    def _mark(self, row: dict[str, Any], error: str) -> SendResult:
        """Mark one claimed message sent, or its attempt failed (retried later, or failed for good)."""
        return self._mark_all([(row, error)])

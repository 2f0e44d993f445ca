"""The one function trust mail goes out through (review confirmations, complaint steps).

It goes through the core's delivery service: an email delivery in the outbox (its own transaction,
after the request's commit), sent by the scheduler's sender over SMTP (or written to instance/mail/
without a MAIL_SERVER), retried on failure, counted on the organizers' Deliveries page. A copy of
each message is kept in the app (`chamber.sent_mail`, the last 200) for the tests and the demo.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage

from flask import current_app, g

from ..i18n import recipient_language
from ..notifications.operations import enqueue

#: the kind of trust mail in the outbox (transactional: no unsubscribe link)
KIND = "trust.mail"


def send_mail(to: str, subject: str, body: str, chamber_id: int | None = None) -> None:
    """Mail a shopper (after the request's commit): one delivery in the outbox of the request's chamber."""
    app = current_app
    chamber = g.get("chamber")
    chamber_id = chamber_id if chamber_id is not None else (chamber.id if chamber is not None else None)
    if chamber_id is None:
        raise RuntimeError("send_mail needs the chamber (load_chamber sets it for the request)")
    language = recipient_language()
    with app.extensions["chamber.db"].sessionmaker() as session, session.begin():
        enqueue(session, chamber_id=chamber_id, source=f"trust:{uuid.uuid4().hex}", channel="email", recipients=[to],
                subject=subject, text=body, kind=KIND, language=language)
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    outbox = app.extensions.setdefault("chamber.sent_mail", [])
    outbox.append(message)
    del outbox[:-200]  # a window for tests and the demo, never a leak

"""The one function trust mail goes out through (review confirmations, complaint steps).

Until the core's delivery service (outbox, SMTP) is in place, a message is written to
instance/mail/ as an .eml file (as the local mail catcher does) and, when the MAIL_SERVER setting
is set, sent over SMTP. Switching to the outbox is a change of this function only.
"""

from __future__ import annotations

import smtplib
import time
import uuid
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text mail to one shopper (after the request's commit)."""
    app = current_app
    message = EmailMessage()
    message["From"] = formataddr(
        (str(app.config.get("MAIL_FROM_NAME", "Chamber")), app.config.get("MAIL_FROM", "noreply@chamber.example"))
    )
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="chamber.example")
    message.set_content(body)
    outbox = app.extensions.setdefault("chamber.sent_mail", [])
    outbox.append(message)
    del outbox[:-200]  # a window for tests and the demo, never a leak
    folder = Path(app.instance_path) / "mail"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{time.time():.6f}-{uuid.uuid4().hex[:8]}.eml").write_bytes(bytes(message))
    except OSError:
        app.logger.warning("could not keep a copy of the mail to %s", to)
    server = app.config.get("MAIL_SERVER")
    if server:
        try:
            with smtplib.SMTP(server, int(app.config.get("MAIL_PORT", 25)), timeout=10) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            app.logger.exception("mail to %s not sent", to)

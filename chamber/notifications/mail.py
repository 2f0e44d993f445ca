"""Email: building the message of a delivery, and the transports that carry it (SMTP, or files).

Settings (chamber/config.py, from the environment): MAIL_SERVER (host; empty: every message is
written to `instance/mail/` instead), MAIL_PORT, MAIL_TLS ("none" | "starttls" | "ssl"),
MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM, MAIL_FROM_NAME, MAIL_TIMEOUT.

Each message is multipart (text and HTML), its headers are encoded by the standard library's email
package (RFC 2047 for Chinese subjects and names), its `Message-ID` is the delivery's stable key (a
resend carries the same one), and a message to a person who can unsubscribe carries
`List-Unsubscribe` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058) with a token
for that recipient.
"""
from __future__ import annotations

import smtplib
import ssl
import time
import uuid
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup

from ..db import utcnow

UNSUBSCRIBE_SALT = "chamber.unsubscribe"


def mail_domain(config: Mapping[str, Any]) -> str:
    sender = str(config.get("MAIL_FROM") or "noreply@chamber.example")
    return sender.rpartition("@")[2] or "chamber.example"


def message_id(key: str, config: Mapping[str, Any]) -> str:
    """The Message-ID of a delivery: the same for every attempt."""
    return f"<{key}@{mail_domain(config)}>"


# --- unsubscribe tokens ---------------------------------------------------------------------


def unsubscribe_token(secret_key: str, recipient: str, chamber_id: int, kind: str) -> str:
    """A token that stops kind's email to recipient ("user:12" or "subscriber:5"); signed, not stored."""
    return str(URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT).dumps([recipient, chamber_id, kind]))


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[str, int, str] | None:
    """(recipient, chamber_id, kind) of a token made by unsubscribe_token, or None if forged."""
    try:
        value = URLSafeSerializer(secret_key, salt=UNSUBSCRIBE_SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if (not isinstance(value, list) or len(value) != 3 or not isinstance(value[0], str)
            or not isinstance(value[1], int) or not isinstance(value[2], str)):
        return None
    return value[0], value[1], value[2]


def can_unsubscribe(recipient: str) -> bool:
    return recipient.startswith(("user:", "subscriber:"))


# --- building a message ---------------------------------------------------------------------


def build_message(app: Flask, delivery: Mapping[str, Any], display_name: str = "") -> EmailMessage:
    """The email of a delivery (a row of `deliveries` as a mapping); needs an app context."""
    config = app.config
    message = EmailMessage()
    message["Subject"] = delivery["subject"]
    message["From"] = Address(display_name=str(config.get("MAIL_FROM_NAME") or "Chamber"),
                              addr_spec=str(config.get("MAIL_FROM") or "noreply@chamber.example"))
    message["To"] = Address(display_name=display_name, addr_spec=delivery["email"])
    message["Message-ID"] = message_id(delivery["message_key"], config)
    message["Date"] = format_datetime(utcnow())
    message["Content-Language"] = delivery["language"].replace("_", "-")
    unsubscribe_url = ""
    if can_unsubscribe(delivery["recipient"]):
        token = unsubscribe_token(config["SECRET_KEY"], delivery["recipient"], delivery["chamber_id"],
                                  delivery["kind"])
        unsubscribe_url = str(config.get("PUBLIC_URL", "")).rstrip("/") + f"/unsubscribe/{token}"
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    with force_locale(delivery["language"]):
        text = render_template("notifications/email.txt", delivery=delivery, unsubscribe_url=unsubscribe_url)
        html = render_template("notifications/email.html", delivery=delivery, unsubscribe_url=unsubscribe_url,
                               body=Markup(delivery["body_html"]))  # nosec B704 - sanitised by nh3 when enqueued
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


# --- transports -----------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, message: EmailMessage, to: str) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """Writes each message to a folder as an .eml file (no MAIL_SERVER: development and demos)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage, to: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(bytes(message))
        tmp.rename(self.folder / name)

    def close(self) -> None:
        pass


class SmtpTransport:
    """One SMTP connection, opened on the first message and reused for the batch."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.host = str(config["MAIL_SERVER"])
        self.port = int(config.get("MAIL_PORT") or 25)
        self.tls = str(config.get("MAIL_TLS") or "none")
        self.username = str(config.get("MAIL_USERNAME") or "")
        self.password = str(config.get("MAIL_PASSWORD") or "")
        self.timeout = float(config.get("MAIL_TIMEOUT") or 10)
        self.envelope_from = str(config.get("MAIL_FROM") or "noreply@chamber.example")
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                 context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if self.username:
            smtp.login(self.username, self.password)
        return smtp

    def send(self, message: EmailMessage, to: str) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message, from_addr=self.envelope_from, to_addrs=[to])
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()  # the next message opens a fresh connection
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def transport_for(app: Flask) -> Transport:
    if app.config.get("MAIL_SERVER"):
        return SmtpTransport(app.config)
    return FileTransport(Path(app.instance_path) / "mail")

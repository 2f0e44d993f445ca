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
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, render_template
from flask_babel import force_locale
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import Markup

from ..db import utcnow
from ..urls import public_root

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


#: stands for the recipient's unsubscribe URL in bodies rendered once for many recipients
_UNSUBSCRIBE = "\x00unsubscribe-url\x00"


def _bodies(delivery: Mapping[str, Any], unsubscribe: bool,
            cache: dict[Any, tuple[str, str]] | None) -> tuple[str, str]:
    """(text, html) of a delivery's content, with _UNSUBSCRIBE where the recipient's link goes;
    rendered once per content and language when a cache is given (one announcement to many)."""
    key = (delivery["subject"], delivery["body_text"], delivery["body_html"], delivery["link"], delivery["language"],
           unsubscribe)
    if cache is not None and key in cache:
        return cache[key]
    url = _UNSUBSCRIBE if unsubscribe else ""
    with force_locale(delivery["language"]):
        text = render_template("notifications/email.txt", delivery=delivery, unsubscribe_url=url)
        html = render_template("notifications/email.html", delivery=delivery, unsubscribe_url=url,
                               body=Markup(delivery["body_html"]))  # nosec B704 - sanitised by nh3 when enqueued
    if cache is not None:
        if len(cache) > 100:
            cache.clear()
        cache[key] = (text, html)
    return text, html


def build_message(app: Flask, delivery: Mapping[str, Any], display_name: str = "",
                  cache: dict[Any, tuple[str, str]] | None = None) -> Message:
    """The email of a delivery (a row of `deliveries` as a mapping); needs an app context. A cache
    (a dict kept by the sender for a batch) renders equal contents once.

    Built with the email package's compat32 classes and RFC 2047 headers encoded by `Header` and
    `formataddr`: the same message as with the modern API, at a fraction of its header parsing cost
    (bench/bench_delivery.py)."""
    config = app.config
    unsubscribe_url = ""
    if can_unsubscribe(delivery["recipient"]):
        token = unsubscribe_token(config["SECRET_KEY"], delivery["recipient"], delivery["chamber_id"],
                                  delivery["kind"])
        unsubscribe_url = public_root() + f"/unsubscribe/{token}"
    text, html = _bodies(delivery, bool(unsubscribe_url), cache)
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(delivery["subject"], "utf-8")  # type: ignore[assignment]  # folded per RFC 2047
    message["From"] = formataddr((str(config.get("MAIL_FROM_NAME") or "Chamber"),
                                  str(config.get("MAIL_FROM") or "noreply@chamber.example")), "utf-8")
    message["To"] = formataddr((display_name, delivery["email"]), "utf-8")
    message["Message-ID"] = message_id(delivery["message_key"], config)
    message["Date"] = format_datetime(utcnow())
    message["Content-Language"] = delivery["language"].replace("_", "-")
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(text.replace(_UNSUBSCRIBE, unsubscribe_url), "plain", "utf-8"))
    message.attach(MIMEText(html.replace(_UNSUBSCRIBE, str(Markup.escape(unsubscribe_url))), "html", "utf-8"))
    return message


# --- transports -----------------------------------------------------------------------------


class Transport(Protocol):
    def send(self, message: Message, to: str) -> None: ...

    def close(self) -> None: ...


class FileTransport:
    """Writes each message to a folder as an .eml file (no MAIL_SERVER: development and demos)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: Message, to: str) -> None:
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

    def send(self, message: Message, to: str) -> None:
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

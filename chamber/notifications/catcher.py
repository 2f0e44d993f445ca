"""A local SMTP server that keeps every message it receives (aiosmtpd): `make run` and the tests.

`flask --app chamber mail-catcher` listens on 127.0.0.1:8025 and writes each message to
`instance/mail/<time>-<n>.eml` (open it with any mail program, or read it as text).
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class CatcherHandler:
    """aiosmtpd handler: keeps messages in memory (and in folder, if given).

    `refuse` answers every DATA with that SMTP reply instead (e.g. "451 4.3.0 try later") — for
    tests of retries; `delay` waits that many seconds before accepting each message.
    """

    folder: Path | None = None
    refuse: str | None = None
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        data = envelope.original_content or envelope.content
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(data))
        with self.lock:
            self.received.append(item)
            number = len(self.received)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{number:05d}-{time.time_ns() % 1_000_000:06d}.eml"
            (self.folder / name).write_bytes(item.data)
        return "250 OK"


def start(folder: Path | None = None, host: str = "127.0.0.1", port: int = 0,
          **options: Any) -> tuple[Controller, CatcherHandler]:
    """Start a catcher in a background thread; (controller, handler). controller.port is the port."""
    handler = CatcherHandler(folder=folder, **options)
    controller = Controller(handler, hostname=host, port=port or free_port(), decode_data=False,
                            enable_SMTPUTF8=True, data_size_limit=10 * 1024 * 1024)
    controller.start()
    return controller, handler

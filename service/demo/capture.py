"""A local SMTP capture server (aiosmtpd) that delivers every message into a Maildir."""

from __future__ import annotations

import asyncio
import mailbox
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


@dataclass
class CapturedMail:
    """One accepted transaction: envelope and the exact bytes received."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class MaildirHandler:
    """Stores each message with Return-Path/Delivered-To prepended, as a final MTA would."""

    maildir: Path
    delay_s: float = 0.0  # tests slow the sink down to watch a campaign mid-send
    captured: list[CapturedMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.box = mailbox.Maildir(str(self.maildir), create=True)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Envelope) -> str:
        """Accept and store the message."""
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return self._store(envelope)

    def _store(self, envelope: Envelope) -> str:
        """Keep the exact bytes, with the trace fields a final MTA adds."""
        data = envelope.original_content or b""
        mail = CapturedMail(envelope.mail_from or "", list(envelope.rcpt_tos), data)
        rcpts = ", ".join(mail.rcpt_tos)
        trace = f"Return-Path: <{mail.mail_from}>\r\nDelivered-To: {rcpts}\r\n".encode()
        with self.lock:
            self.captured.append(mail)
            self.box.add(trace + data)
        return "250 OK stored"


class MailCapture:
    """Start/stop wrapper: `with MailCapture(path) as capture: ... capture.port`."""

    def __init__(
        self, maildir: Path, host: str = "127.0.0.1", port: int = 0, delay_s: float = 0.0
    ) -> None:
        self.handler = MaildirHandler(maildir, delay_s=delay_s)
        self.controller = Controller(
            self.handler,
            hostname=host,
            port=port or free_port(host),
            data_size_limit=10 * 1024 * 1024,
        )

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.controller.port)

    @property
    def captured(self) -> list[CapturedMail]:
        """Everything received so far."""
        return self.handler.captured

    def __enter__(self) -> MailCapture:
        self.controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.controller.stop()


def free_port(host: str = "127.0.0.1") -> int:
    """An unused TCP port on `host` (aiosmtpd needs a real port to check it started)."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])

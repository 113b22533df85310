"""A capturing SMTP server on loopback (aiosmtpd) for tests that send real mail."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from service.settings import reset_settings


class Capture:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def capture_smtp(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Capture]:
    """A capturing SMTP server on loopback, wired into settings.smtp_url."""
    capture = Capture()
    with socket.socket() as probe:  # a free loopback port (aiosmtpd cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(capture, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("NEWSDESK_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    reset_settings()
    yield capture
    controller.stop()

"""send_outgoing delivers the returned mails to a real aiosmtpd server on loopback."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller

from service.mail.outbox import send_outgoing
from service.settings import get_settings


class _Sink:
    """Keeps every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


def test_send_outgoing_over_loopback(configured, monkeypatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{port}")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = (
            "news@x.example",
            "stays@partner.example",
            "Inquiry",
        )
        msg.set_content("Wie bewerbe ich mich?")
        assert send_outgoing([msg]) == 1
    finally:
        controller.stop()
    (env,) = sink.envelopes
    assert env.rcpt_tos == ["stays@partner.example"]
    assert env.mail_from == f"bounces@{get_settings().bounce_domain}"
    assert (
        message_from_bytes(env.content, policy=default).get_content().strip()
        == "Wie bewerbe ich mich?"
    )

"""Real SMTP servers on loopback (aiosmtpd) for transport tests, and a throwaway TLS certificate."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support import certs
from tests.support.ports import free_port


@dataclass
class Received:
    """One accepted transaction as the server saw it."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    peer: Any
    tls: bool


@dataclass
class ScriptedHandler:
    """Accepts mail, except for scripted local parts: unknown, later, policy, drop."""

    received: list[Received] = field(default_factory=list)
    mail_peers: list[Any] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    pipelining: bool = False

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        """Announce PIPELINING when asked to (aiosmtpd reads pipelined commands in order)."""
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, options):
        """Record which connection a transaction starts on."""
        self.mail_peers.append(session.peer)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        """Per-recipient answers."""
        local = address.split("@")[0]
        if local == "unknown":
            return f"550 5.1.1 <{address}>: user unknown"
        if local == "later":
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Policy refusal, a connection dropped mid-DATA, or acceptance."""
        local = envelope.rcpt_tos[0].split("@")[0]
        if local == "policy":
            return "550 5.7.1 message refused by policy"
        if local == "drop":
            server.transport.abort()
            return "250 OK"
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content, session.peer, tls))  # fmt: skip
        return "250 OK"


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost and its key, written as PEM files."""
    return certs.self_signed(tmp, days=1)


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    """Server-side TLS context."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


def start_server(handler: ScriptedHandler, **kwargs: Any) -> Controller:
    """Start aiosmtpd on a free loopback port (the caller stops it)."""
    if "users" in kwargs:
        users = kwargs.pop("users")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and users.get(auth_data.login.decode()) == auth_data.password.decode()
            )
            if ok:
                handler.logins.append(auth_data.login.decode())
            return AuthResult(success=ok, handled=False)  # handled=False: server sends 535

        kwargs.update(authenticator=authenticator, auth_require_tls=False)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller

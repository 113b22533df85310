"""SMTP receiver for reply+ and bounces+ mail: accept only our domains, store, then say 250.

The 250 is given only after the raw bytes are committed, so a crash can never lose a message
the sending MTA believes delivered; a storage failure answers 451 and the MTA retries.
Processing happens later (a Celery task calls service.inbound.acting.processing.process_inbound);
`after_stored` is the hook the entry point uses to enqueue it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from service.inbound.intake.receiver_limits import ReceiverLimits
from service.inbound.intake.store import store_inbound
from service.settings import Settings, get_settings

log = logging.getLogger(__name__)
StoreFn = Callable[..., int]
# RFC 5321 allows 1000 octets per line, but bounces and replies from real MTAs and clients
# often carry longer ones (one-line HTML, unwrapped quoted-printable). Refusing them with
# aiosmtpd's "500 Line too long" would make the remote MTA drop a bounce we need.
LINE_LENGTH_LIMIT = 1024 * 1024


class _LenientSMTP(SMTP):
    """aiosmtpd's SMTP with long lines accepted (the message size limit still applies),
    and connections counted against the handler's ReceiverLimits."""

    line_length_limit = LINE_LENGTH_LIMIT
    _counted: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Refuse with 421 when the client or the receiver has too many connections."""
        first = self.transport is None
        super().connection_made(transport)
        limits = getattr(self.event_handler, "limits", None)
        if not first or limits is None:
            return
        assert self.session is not None
        client = _client(self.session.peer)
        if limits.admit(client):
            self._counted = client
            return
        transport.write(b"421 4.7.0 too many connections, try again later\r\n")  # type: ignore[attr-defined]
        transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        """Give the connection's slot back."""
        limits = getattr(self.event_handler, "limits", None)
        if self._counted is not None and limits is not None:
            limits.release(self._counted)
            self._counted = None
        super().connection_lost(exc)


def _client(peer: Any) -> str:
    """The client's address from aiosmtpd's peername."""
    return str(peer[0]) if isinstance(peer, tuple) and peer else str(peer)


class _InboundController(Controller):
    """A Controller whose sessions use _LenientSMTP."""

    def factory(self) -> SMTP:
        """One SMTP protocol instance per connection."""
        return _LenientSMTP(self.handler, **self.SMTP_kwargs)


class InboundHandler:
    """aiosmtpd handler: RCPT domain check (550), size limit (552), durable store, then 250."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        store: StoreFn = store_inbound,
        after_stored: Callable[[int], None] | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.domains = {self.settings.reply_domain.lower(), self.settings.bounce_domain.lower()}
        self.store = store
        self.after_stored = after_stored
        self.limits = ReceiverLimits(self.settings)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept recipients in the reply and bounce domains only."""
        domain = address.rpartition("@")[2].lower()
        if domain not in self.domains:
            return (
                f"550 5.7.1 <{address}>: relay denied; this server only accepts mail for "
                f"{' and '.join(sorted(self.domains))}"
            )
        if len(envelope.rcpt_tos) >= self.limits.max_recipients:
            return f"452 4.5.3 too many recipients (at most {self.limits.max_recipients})"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Store the message durably, run the hook, and only then acknowledge."""
        raw = envelope.original_content or envelope.content or b""
        if not self.limits.message_allowed(_client(session.peer)):
            return "451 4.7.1 too many messages from your address; slow down and retry later"
        if len(raw) > self.settings.inbound_max_bytes:
            return f"552 5.3.4 message too big: limit is {self.settings.inbound_max_bytes} bytes"
        try:
            message_id = await asyncio.get_running_loop().run_in_executor(
                None,
                lambda: self.store(
                    raw=raw,
                    envelope_from=envelope.mail_from or "",
                    envelope_to=list(envelope.rcpt_tos),
                    client_ip=_client(session.peer),  # SPF is evaluated for this (issue 15)
                    client_helo=session.host_name or None,
                ),
            )
        except Exception:
            log.exception("storing inbound message failed")
            return "451 4.3.0 could not store the message; please try again later"
        self._enqueue(message_id)
        return f"250 2.0.0 stored as inbound message {message_id}"

    def _enqueue(self, message_id: int) -> None:
        """Run the after-stored hook; the message is already safe, so errors are only logged."""
        if self.after_stored is None:
            return
        try:
            self.after_stored(message_id)
        except Exception:
            log.exception("after_stored hook failed for inbound message %s", message_id)


def make_controller(
    *,
    settings: Settings | None = None,
    handler: InboundHandler | None = None,
    hostname: str | None = None,
    port: int | None = None,
) -> Controller:
    """A Controller (own thread + event loop) with the size limit enforced during DATA."""
    s = settings or get_settings()
    return _InboundController(
        handler or InboundHandler(settings=s),
        hostname=hostname or s.inbound_listen_host,
        port=port if port is not None else s.inbound_listen_port,
        data_size_limit=s.inbound_max_bytes,
        decode_data=False,
        enable_SMTPUTF8=True,
    )

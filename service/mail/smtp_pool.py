"""SMTP transport: one reused smtplib connection per relay and process, TLS, AUTH, failover.

smtplib on a reused connection is the cheapest client (ARCHITECTURE: aiosmtplib costs 2.5x the
CPU). A transaction is MAIL, RCPT, DATA on the open connection; smtplib itself sends RSET after
a refused MAIL/RCPT/DATA, and a successful transaction needs none before the next MAIL. Any
connection-level failure drops the connection, so the next message opens a fresh one. Only a
failure before MAIL FROM was answered (a stale pooled connection, a refused connect) is retried
at once on a fresh connection or the next relay: nothing of the message was sent yet. A failure
during DATA is reported as TEMPORARY for that message alone; the caller retries it later.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import threading
from dataclasses import dataclass
from enum import StrEnum

from service.mail.compose import OutgoingMessage
from service.mail.rate_limit import RateLimiter, limiter_from_settings
from service.mail.relays import Relay, RelaySet, parse_relays
from service.mail.smtp_replies import classify_reply
from service.settings import Settings


class SendOutcome(StrEnum):
    """SENT; TEMPORARY = retry later with backoff; PERMANENT = record and never retry."""

    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class SendResult:
    """How one send went; recipient_fault marks a hard bounce (5.1.x), not a policy refusal."""

    outcome: SendOutcome
    detail: str = ""
    code: int | None = None
    recipient_fault: bool = False
    relay: str | None = None
    retry_after_s: float | None = None  # set when a rate limit, not a fault, held it back


class TransportError(Exception):
    """A relay could not be used (connect, TLS, AUTH); the message was not sent."""


class _Stale(Exception):
    """A pooled connection was dead before the transaction started."""


class SmtpPool:
    """Per-process SMTP connections, one per relay, reused across messages (thread-safe)."""

    def __init__(self, settings: Settings, limiter: RateLimiter | None = None) -> None:
        self.settings = settings
        self.limiter = limiter
        self.relays = RelaySet(parse_relays(settings), settings.smtp_relay_cooldown_s)
        self.pid = os.getpid()
        self._connections: dict[int, smtplib.SMTP] = {}
        self._lock = threading.Lock()
        self.connections_opened = 0
        self._tls = ssl.create_default_context(
            cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        """Deliver one message (single RCPT); failover between relays before MAIL FROM only."""
        if self.limiter is not None:
            domain = message.rcpt.rpartition("@")[2]
            wait = self.limiter.wait_or_acquire(domain, timeout_s=self.settings.rate_max_wait_s)
            if wait > 0:
                detail = f"rate limit for {domain}: next slot in {wait:.0f} s"
                return SendResult(SendOutcome.TEMPORARY, detail, retry_after_s=wait)
        with self._lock:
            errors = []
            for relay in self.relays.order():
                try:
                    return self._send_via(relay, message)
                except TransportError as exc:
                    errors.append(f"{relay.name}: {exc}")
                    self.relays.mark_down(relay)
            return SendResult(SendOutcome.TEMPORARY, "no relay usable: " + "; ".join(errors))

    def _send_via(self, relay: Relay, message: OutgoingMessage) -> SendResult:
        """One transaction on this relay, reopening once if the pooled connection was stale."""
        fresh = id(relay) not in self._connections
        conn = self._connection(relay)
        try:
            return self._transaction(conn, relay, message)
        except _Stale:
            self._drop(relay)
            if fresh:
                raise TransportError("connection closed before MAIL FROM") from None
            return self._send_via(relay, message)

    def _transaction(
        self, conn: smtplib.SMTP, relay: Relay, message: OutgoingMessage
    ) -> SendResult:
        """MAIL, RCPT, DATA (pipelined when offered), then the content; failures mapped."""
        try:
            replies = _envelope(conn, message)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Stale(str(exc)) from exc  # no content was sent: safe to try again
        for stage, (code, reply), good in zip(_STAGES, replies, _GOOD, strict=False):
            if code not in good:
                if len(replies) == 3 and replies[2][0] == 354:
                    _abort_data(conn)  # a lenient server entered DATA anyway
                return self._refused(relay, stage, code, reply)
        try:
            conn.send(dot_stuff(message.data) + b".\r\n")
            code, reply = conn.getreply()
        except (smtplib.SMTPException, OSError) as exc:
            self._drop(relay)
            return SendResult(SendOutcome.TEMPORARY, f"connection lost: {exc!r}", relay=relay.name)
        if code != 250:
            return self._refused(relay, "DATA", code, reply)
        return SendResult(SendOutcome.SENT, _text(reply), code=code, relay=relay.name)

    def _refused(self, relay: Relay, stage: str, code: int, reply: bytes | str) -> SendResult:
        """A negative reply: RSET (or drop on 421) and classify."""
        if code == 421 or code < 0:
            self._drop(relay)
        else:
            try:
                self._connections[id(relay)].rset()
            except (smtplib.SMTPException, OSError, KeyError):
                self._drop(relay)
        verdict = classify_reply(code, _text(reply), stage=stage)
        outcome = SendOutcome.PERMANENT if verdict.permanent else SendOutcome.TEMPORARY
        detail = f"{stage} {code} {_text(reply)}"
        return SendResult(outcome, detail, code, verdict.recipient_fault, relay.name)

    def _connection(self, relay: Relay) -> smtplib.SMTP:
        """The pooled connection to relay, opened (TLS, AUTH) when there is none."""
        conn = self._connections.get(id(relay))
        if conn is None:
            conn = self._open(relay)
            self._connections[id(relay)] = conn
        return conn

    def _open(self, relay: Relay) -> smtplib.SMTP:
        """Connect, upgrade to TLS as configured (failing closed), authenticate."""
        target, s = relay.target, self.settings
        try:
            if target.implicit_tls:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    target.host, target.port, local_hostname=s.smtp_helo_name,
                    timeout=s.smtp_timeout_s, context=self._tls,
                )  # fmt: skip
            else:
                conn = smtplib.SMTP(
                    target.host, target.port, local_hostname=s.smtp_helo_name,
                    timeout=s.smtp_timeout_s,
                )  # fmt: skip
            self.connections_opened += 1
            conn.ehlo()
            self._secure(conn, relay)
            if target.username:
                _authenticate(conn, target.username, target.password or "")
            return conn
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    def _secure(self, conn: smtplib.SMTP, relay: Relay) -> None:
        """STARTTLS when asked for or required; refuse plaintext when TLS is required."""
        target = relay.target
        if target.implicit_tls or not (target.starttls or self.settings.smtp_require_tls):
            return
        if not conn.has_extn("starttls"):
            conn.close()
            raise TransportError("relay offers no STARTTLS and TLS is required; not sending")
        conn.starttls(context=self._tls)
        conn.ehlo()

    def _drop(self, relay: Relay) -> None:
        """Forget (and close) a relay's connection."""
        conn = self._connections.pop(id(relay), None)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        """QUIT every connection."""
        with self._lock:
            for key, conn in list(self._connections.items()):
                try:
                    conn.quit()
                except (smtplib.SMTPException, OSError):
                    conn.close()
                del self._connections[key]


def _authenticate(conn: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH with one mechanism (PLAIN, else LOGIN): a wrong password fails once, clearly."""
    mechanisms = conn.esmtp_features.get("auth", "").upper().split()
    conn.user, conn.password = user, password
    if "PLAIN" in mechanisms:
        conn.auth("PLAIN", conn.auth_plain)
    elif "LOGIN" in mechanisms:
        conn.auth("LOGIN", conn.auth_login, initial_response_ok=False)
    else:
        conn.login(user, password)


_STAGES = ("MAIL", "RCPT", "DATA")
_GOOD = ((250,), (250, 251), (354,))


def _envelope(conn: smtplib.SMTP, message: OutgoingMessage) -> list[tuple[int, bytes]]:
    """Replies to MAIL, RCPT and DATA: one round trip with PIPELINING (RFC 2920), else three."""
    for address in (message.envelope_from, message.rcpt):
        if any(c in address for c in "\r\n<>\x00"):
            raise ValueError(f"refusing envelope address {address!r}")
    options = "".join(" " + o for o in _mail_options(conn, message))
    mail = f"MAIL FROM:<{message.envelope_from}>{options}\r\n"
    rcpt = f"RCPT TO:<{message.rcpt}>\r\n"
    if conn.has_extn("pipelining"):
        conn.send((mail + rcpt + "DATA\r\n").encode("ascii"))
        return [conn.getreply(), conn.getreply(), conn.getreply()]
    replies = []
    for command in (mail, rcpt, "DATA\r\n"):
        conn.send(command.encode("ascii"))
        replies.append(conn.getreply())
        if replies[-1][0] >= 400:
            break
    return replies


def _abort_data(conn: smtplib.SMTP) -> None:
    """End an unwanted DATA phase with an empty message (no recipients: nothing is delivered)."""
    with contextlib.suppress(smtplib.SMTPException, OSError):
        conn.send(b".\r\n")
        conn.getreply()


def dot_stuff(data: bytes) -> bytes:
    """RFC 5321 §4.5.2 transparency, as smtplib does it but with a C replace, CRLF-terminated."""
    stuffed = data.replace(b"\n.", b"\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    return stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"


def _mail_options(conn: smtplib.SMTP, message: OutgoingMessage) -> list[str]:
    """SIZE when the relay announces it (lets it refuse a too-large message up front)."""
    return [f"SIZE={len(message.data)}"] if conn.has_extn("size") else []


def _text(reply: bytes | str) -> str:
    """A reply as text."""
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


_POOL: SmtpPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool(settings: Settings) -> SmtpPool:
    """This process's pool (a forked worker gets its own, never its parent's sockets)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and _POOL.pid == os.getpid() and _POOL.settings is not settings:
            _POOL.close()  # settings changed in this process (tests, the demo): start afresh
            _POOL = None
        if _POOL is None or _POOL.pid != os.getpid():
            _POOL = SmtpPool(settings, limiter_from_settings(settings))
        return _POOL

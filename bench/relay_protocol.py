"""The relay's SMTP session: a lean hand-written asyncio protocol (no aiosmtpd, see relay.py).

Replies are scheduled, never slept for: each reply is due at max(now, previous reply) + its
latency, so pipelined commands are answered in order and a thousand sessions cost one timer
each. The log gets one line per accepted message (`A <Message-ID> <rcpt>`) and one per
connection dropped at the end of DATA (`D` after the message was accepted, `L` before).
"""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.relay import RelayServer

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(<[^>\r\n]*>)", re.I | re.M)
_ADDRESS = re.compile(rb"<([^>]*)>")
_END = b"\r\n.\r\n"


class Session(asyncio.Protocol):
    """One client connection."""

    def __init__(self, server: RelayServer) -> None:
        self.server, self.policy = server, server.policy
        self.loop = asyncio.get_running_loop()
        self.buffer = bytearray()
        self.in_data = self.closing = self.tls = self.authed = self.counted = False
        self._upgrading = False
        self.mail_from: bytes | None = None
        self.rcpts: list[str] = []
        self.accepted_here = 0
        self.ready_at = 0.0
        self.pending: deque[tuple[float, bytes, bool]] = deque()
        self.batching = False
        self.batch: list[tuple[float, bytes, bool]] = []
        self.auth_step: tuple[str, ...] | None = None
        self.last_seen = self.loop.time()
        self.peer = ""

    # -- connection -----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        if self.tls:
            return  # start_tls hands the protocol the new transport; nothing to greet
        self.peer = (transport.get_extra_info("peername") or ("?",))[0]
        if not self.server.admit(self):
            self.transport.write(b"421 4.7.0 Too many concurrent connections from your host\r\n")
            self.closing = True
            self.transport.close()
            return
        self.counted = True
        self.reply(b"220 relay.bench ESMTP", self.policy.other_latency_s)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.counted:
            self.counted = False
            self.server.release(self)

    def reply(self, line: bytes, delay: float = 0.0, *, close: bool = False) -> None:
        """Answer after `delay` seconds, in order behind any reply still pending."""
        now = self.loop.time()
        due = max(now, self.ready_at) + self.policy.delay(delay, self.server.rng)
        if close:
            self.closing = True
        if self.batching:  # answered with the rest of the client's pipelined group
            self.batch.append((due, line, close))
            self.ready_at = max(self.ready_at, due)
            return
        self._send_at(due, line, close)

    def _end_batch(self) -> None:
        """Like Postfix's smtpd: replies to pipelined commands leave together, once the last is
        due (one packet; the client wakes once for MAIL, RCPT and DATA, not three times)."""
        batch, self.batch, self.batching = self.batch, [], False
        if batch:
            due = max(item[0] for item in batch)
            self._send_at(due, b"\r\n".join(item[1] for item in batch), any(i[2] for i in batch))

    def _send_at(self, due: float, line: bytes, close: bool) -> None:
        now = self.loop.time()
        if due <= now and not self.pending:
            self._write(line, close)
            return
        self.ready_at = due
        self.pending.append((due, line, close))
        if len(self.pending) == 1:
            self.loop.call_at(due, self._flush)

    def _flush(self) -> None:
        """Write every reply that is due, in order; re-arm one timer for the next."""
        now = self.loop.time()
        while self.pending and self.pending[0][0] <= now + 0.0005:
            _, line, close = self.pending.popleft()
            self._write(line, close)
        if self.pending:
            self.loop.call_at(self.pending[0][0], self._flush)

    def _write(self, line: bytes, close: bool) -> None:
        if self.transport.is_closing():
            return
        self.transport.write(line + b"\r\n")
        if close:
            self.transport.close()

    def drop(self) -> None:
        """Close without a word (a crashed or overloaded relay)."""
        self.closing = True
        self.transport.abort()

    # -- input ----------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        self.last_seen = self.loop.time()
        if self.closing:
            return
        if self.tls_pending():
            # The handshake is done but start_tls has not handed us the new transport yet:
            # keep what the client said (its EHLO) until we can answer on the TLS transport.
            self.buffer += data
            return
        self.batching = True
        try:
            self._consume(data)
        finally:
            self._end_batch()

    def _consume(self, data: bytes) -> None:
        """Process every complete command line or message in the input."""
        start = max(0, len(self.buffer) - 4)
        self.buffer += data
        while not self.closing:
            if self.in_data:
                if self.buffer[:3] == b".\r\n":  # an empty message
                    self.buffer[:0] = b"\r\n"
                end = self.buffer.find(_END, start if start < len(self.buffer) else 0)
                if end < 0:
                    return
                message = bytes(self.buffer[: end + 2])
                del self.buffer[: end + 5]
                self.in_data = False
                self.end_of_data(message)
                start = 0
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                if len(self.buffer) > 4096:
                    self.reply(b"500 5.5.2 Line too long", close=True)
                return
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 2]
            self.command(line)
            if self.in_data:
                start = 0
            if self.tls_pending():
                return

    def tls_pending(self) -> bool:
        return self._upgrading

    def command(self, line: bytes) -> None:
        """Dispatch one command line (or an AUTH continuation)."""
        if self.auth_step is not None:
            self.auth_continue(line)
            return
        verb = line[:4].upper()
        handler = _VERBS.get(bytes(verb))
        if handler is None:
            self.reply(b"502 5.5.2 Command not recognised")
        else:
            handler(self, line)

    # -- commands ---------------------------------------------------------------------------
    def ehlo(self, line: bytes) -> None:
        lines = [b"250-relay.bench", b"250-PIPELINING", b"250-SIZE 52428800", b"250-8BITMIME"]
        if self.policy.starttls and not self.tls and self.server.tls_context is not None:
            lines.append(b"250-STARTTLS")
        if self.policy.users and (self.tls or not self.policy.starttls):
            lines.append(b"250-AUTH PLAIN LOGIN")
        lines.append(b"250 ENHANCEDSTATUSCODES")
        self.reset()
        self.reply(b"\r\n".join(lines), self.policy.other_latency_s)

    def starttls(self, line: bytes) -> None:
        context = self.server.tls_context
        if self.tls or context is None or not self.policy.starttls:
            self.reply(b"502 5.5.1 STARTTLS not available")
            return
        self.transport.write(b"220 2.0.0 Ready to start TLS\r\n")
        self._upgrading = True
        self.buffer.clear()  # nothing may follow STARTTLS in plaintext (RFC 3207)
        self._upgrade_task = asyncio.ensure_future(self._upgrade(context))

    async def _upgrade(self, context: ssl.SSLContext) -> None:
        try:
            self.tls = True
            transport = await self.loop.start_tls(self.transport, self, context, server_side=True)
        except (OSError, ssl.SSLError, ConnectionError):
            self.drop()
            return
        finally:
            self._upgrading = False
        if transport is None:
            return
        self.transport = transport  # type: ignore[assignment]
        self.server.stats["tls_sessions"] += 1
        self.reset()
        if self.buffer:
            self.data_received(b"")

    def auth(self, line: bytes) -> None:
        parts = line.split()
        if not self.policy.users or self.authed or len(parts) < 2:
            self.reply(b"503 5.5.1 AUTH not available")
            return
        mechanism = parts[1].upper()
        if mechanism == b"PLAIN":
            if len(parts) > 2:
                self.auth_finish_plain(parts[2])
            else:
                self.auth_step = ("plain",)
                self.reply(b"334 ")
        elif mechanism == b"LOGIN":
            self.auth_step = ("login",)
            self.reply(b"334 VXNlcm5hbWU6")
        else:
            self.reply(b"504 5.5.4 Unrecognised authentication type")

    def auth_continue(self, line: bytes) -> None:
        step, self.auth_step = self.auth_step or (), None
        if step[0] == "plain":
            self.auth_finish_plain(line)
        elif len(step) == 1:
            self.auth_step = ("login", _b64(line))
            self.reply(b"334 UGFzc3dvcmQ6")
        else:
            self.auth_check(step[1], _b64(line))

    def auth_finish_plain(self, blob: bytes) -> None:
        _, _, rest = _b64(blob).partition("\0")
        user, _, password = rest.partition("\0")
        self.auth_check(user, password)

    def auth_check(self, user: str, password: str) -> None:
        if self.policy.users.get(user) == password and user:
            self.authed = True
            self.server.stats["auth_ok"] += 1
            self.reply(b"235 2.7.0 Authentication successful")
        else:
            self.server.stats["auth_failed"] += 1
            self.reply(b"535 5.7.8 Authentication credentials invalid")

    def mail(self, line: bytes) -> None:
        limit = self.policy.max_messages_per_connection
        if self.policy.users and not self.authed:
            self.reply(b"530 5.7.0 Authentication required")
        elif limit and self.accepted_here >= limit:
            self.server.stats["limit_closes"] += 1
            self.reply(b"421 4.7.0 Too many messages on this connection", close=True)
        else:
            found = _ADDRESS.search(line)
            self.mail_from, self.rcpts = (found.group(1) if found else b""), []
            self.reply(b"250 2.1.0 Ok", self.policy.other_latency_s)

    def rcpt(self, line: bytes) -> None:
        found = _ADDRESS.search(line)
        if self.mail_from is None or found is None:
            self.reply(b"503 5.5.1 Need MAIL before RCPT")
            return
        rcpt = found.group(1).decode("utf-8", "replace")
        refusal = self.server.refusal(rcpt, "RCPT")
        if refusal is not None:
            self.reply(refusal, self.policy.rcpt_latency_s)
            return
        self.rcpts.append(rcpt)
        self.reply(b"250 2.1.5 Ok", self.policy.rcpt_latency_s)

    def data(self, line: bytes) -> None:
        if not self.rcpts:
            self.reply(b"554 5.5.1 No valid recipients")
            return
        self.in_data = True
        self.reply(b"354 End data with <CR><LF>.<CR><LF>", self.policy.other_latency_s)

    def end_of_data(self, message: bytes) -> None:
        """Accept, refuse, or drop the connection, as the policy says for this recipient."""
        rcpts, self.rcpts, self.mail_from = self.rcpts, [], None
        blank = message.find(b"\r\n\r\n")
        head = message if blank < 0 else message[: blank + 2]
        found = _MESSAGE_ID.search(head)
        message_id = found.group(1).decode("ascii", "replace") if found else "-"
        refusal = self.server.refusal(rcpts[0], "DATA")
        if refusal is not None:
            self.reply(refusal, self.policy.data_latency_s, close=refusal.startswith(b"421"))
            return
        if self.server.drop_now():
            after = self.server.rng.random() < 0.5
            for rcpt in rcpts:
                self.server.record("A" if after else "L", message_id, rcpt)
                if after:
                    self.server.record("D", message_id, rcpt)
            self.drop()
            return
        for rcpt in rcpts:
            self.server.record("A", message_id, rcpt)
        self.accepted_here += 1
        self.reply(b"250 2.0.0 Ok: queued", self.policy.data_latency_s)

    def reset(self, line: bytes = b"") -> None:
        self.mail_from, self.rcpts = None, []
        if line:
            self.reply(b"250 2.0.0 Ok")

    def noop(self, line: bytes) -> None:
        self.reply(b"250 2.0.0 Ok")

    def quit(self, line: bytes) -> None:
        self.reply(b"221 2.0.0 Bye", close=True)


def _b64(blob: bytes) -> str:
    try:
        return base64.b64decode(blob.strip(), validate=True).decode("utf-8", "replace")
    except ValueError:
        return ""


_VERBS = {
    b"EHLO": Session.ehlo, b"HELO": Session.ehlo, b"STAR": Session.starttls,
    b"AUTH": Session.auth, b"MAIL": Session.mail, b"RCPT": Session.rcpt, b"DATA": Session.data,
    b"RSET": Session.reset, b"NOOP": Session.noop, b"QUIT": Session.quit,
}  # fmt: skip

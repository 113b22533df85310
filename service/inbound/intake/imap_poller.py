"""Poll an IMAP mailbox for bounces and replies: store each new message, then flag it \\Seen.

Nothing is ever deleted or expunged (STANDARDS F1: unmatched mail stays in the mailbox); a
message is flagged only after its bytes are committed, so a crash re-reads it rather than
losing it.
"""

from __future__ import annotations

import imaplib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from service.errors import InvalidInput
from service.inbound.intake.store import store_inbound
from service.models import InboundChannel


@dataclass(frozen=True)
class ImapTarget:
    """A parsed imap[s]://user:password@host:port/MAILBOX URL."""

    host: str
    port: int
    user: str
    password: str
    mailbox: str
    ssl: bool

    @classmethod
    def from_url(cls, url: str) -> ImapTarget:
        """Parse the URL, naming what is wrong when it cannot be used."""
        parts = urlsplit(url)
        if parts.scheme not in {"imap", "imaps"} or not parts.hostname or not parts.username:
            raise InvalidInput(f"IMAP URL must look like imap://user:pass@host/INBOX, got {url!r}")
        secure = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if secure else 143),
            user=unquote(parts.username),
            password=unquote(parts.password or ""),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
            ssl=secure,
        )


def poll_imap(
    target: ImapTarget,
    *,
    after_stored: Callable[[int], None] | None = None,
    limit: int = 200,
    timeout: float = 30.0,
) -> list[int]:
    """Store up to `limit` unseen messages; returns the new InboundMessage ids."""
    cls = imaplib.IMAP4_SSL if target.ssl else imaplib.IMAP4
    stored: list[int] = []
    with cls(target.host, target.port, timeout=timeout) as conn:
        conn.login(target.user, target.password)
        conn.select(_quote(target.mailbox))
        _, data = conn.uid("SEARCH", "UNSEEN")
        for uid in (data[0] or b"").decode().split()[:limit]:
            raw = _fetch(conn, uid)
            if raw is None:
                continue
            message_id = store_inbound(
                raw=raw, envelope_from="", envelope_to=[], channel=InboundChannel.IMAP
            )
            conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
            stored.append(message_id)
            if after_stored is not None:
                after_stored(message_id)
        conn.logout()
    return stored


def _fetch(conn: imaplib.IMAP4, uid: str) -> bytes | None:
    """The full message without setting \\Seen (BODY.PEEK), or None if it vanished."""
    _, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _quote(mailbox: str) -> str:
    """IMAP quoted string for mailbox names with spaces."""
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'

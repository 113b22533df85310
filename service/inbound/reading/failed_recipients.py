"""Which addresses failed, preferring the address we sent to over the reporting system's name.

A DSN's Final-Recipient is the address the *reporting* system last tried: after a forward or an
alias it is an internal name (kijitora@google.example.com, r@pool.example.ne.jp, even
postmaster@) that matches no subscriber. So, per failed recipient: Original-Recipient (the
RCPT TO we gave, RFC 3461 ORCPT) first, then X-Failed-Recipients, then the To of the returned
message (ours always equals the RCPT), and Final-Recipient only when nothing better says
otherwise. The VERP token in the return path comes first of all, but it names a subscriber, not
an address: processing matches it before any address (effects.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses

from service.inbound.reading.parse import all_headers, dsn_blocks, walk_safely

FAILED_ACTIONS = ("failed", "delayed", "expired", "failure")
_VALID = re.compile(r"^[^\s|<>()\[\],;:@]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


@dataclass
class DsnFailures:
    """Failed recipients as the DSN blocks name them, and what else the blocks say."""

    recipients: list[str] = field(default_factory=list)
    from_final: bool = False  # some recipient came from Final-Recipient alone
    status: str | None = None
    diagnostics: list[str] = field(default_factory=list)
    delayed: bool = False


def clean_address(value: str) -> str | None:
    """The address in a DSN field value or header (type prefix, brackets, source route gone)."""
    addr = value.split(";", 1)[-1].strip().strip("<>").strip()
    if addr.startswith("@") and ":" in addr:
        addr = addr.rsplit(":", 1)[1]  # RFC 5321 source route @relay:user@host
    unquoted = re.sub(r'^"([^"]*)"@', r"\1@", addr)
    return addr if _VALID.match(unquoted) else None


def dsn_failures(msg: Message) -> DsnFailures:
    """Recipients with Action failed/delayed (Original-Recipient first), Status, diagnostics."""
    out = DsnFailures()
    for block in dsn_blocks(msg):
        action = str(block.get("Action", "")).strip().lower()
        original = clean_address(str(block.get("Original-Recipient", "") or ""))
        final = clean_address(str(block.get("Final-Recipient", "") or "")) or clean_address(
            str(block.get("X-Actual-Recipient", "") or "")
        )
        rcpt = original or final
        if not rcpt and not action:
            continue
        if action and not action.startswith(FAILED_ACTIONS):
            continue
        out.delayed = out.delayed or (action.startswith("delayed") and not out.recipients)
        if rcpt and rcpt.lower() not in (a.lower() for a in out.recipients):
            out.recipients.append(rcpt)
            out.from_final = out.from_final or original is None
        out.status = out.status or str(block.get("Status", "")).strip() or None
        out.diagnostics.append(str(block.get("Diagnostic-Code", "")))
    return out


def x_failed_recipients(msg: Message) -> list[str]:
    """Exim's (and others') X-Failed-Recipients header, as clean addresses."""
    values = all_headers(msg, "X-Failed-Recipients")
    found = [clean_address(a) for _, a in getaddresses(values)]
    return _dedupe([a for a in found if a])


def returned_to(msg: Message) -> list[str]:
    """The To of the returned original (message/rfc822 or text/rfc822-headers), if attached.

    Empty when that To is the original's own From: a message sent to oneself with the real
    recipients in Bcc (BounceParser's *-via-sendmail samples) names nobody who failed.
    """
    import email
    import email.policy

    for part in walk_safely(msg):
        ctype = part.get_content_type()
        inner: Message | None = None
        if ctype == "message/rfc822" and part is not msg and part.is_multipart():
            first = part.get_payload(0)
            inner = first if isinstance(first, Message) else None
        elif ctype == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                inner = email.message_from_bytes(raw, policy=email.policy.default)
        if inner is not None:
            found = [clean_address(a) for _, a in getaddresses(all_headers(inner, "To"))]
            senders = {a.lower() for _, a in getaddresses(all_headers(inner, "From"))}
            return _dedupe([a for a in found if a and a.lower() not in senders])
    return []


def prefer_sent_to(msg: Message, dsn: DsnFailures) -> list[str]:
    """The failed addresses as we sent them, by the order in the module docstring."""
    if dsn.recipients and not dsn.from_final:
        return dsn.recipients
    failed = x_failed_recipients(msg)
    if failed and (not dsn.recipients or len(failed) == len(dsn.recipients)):
        return failed
    if len(dsn.recipients) <= 1:
        to = returned_to(msg)
        if len(to) == 1:
            return to
    return dsn.recipients


def _dedupe(items: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.lower(), item)
    return list(seen.values())

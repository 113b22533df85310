"""RFC 3834 loop guard: may Newsdesk send an automatic acknowledgement for this message?"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.message import Message
from email.utils import getaddresses

from service.inbound.reading.autoreply import auto_submitted_value, precedence
from service.inbound.reading.parse import all_headers, header

_DAEMON_RE = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)([+@]|$)", re.I)
_LIST_HEADERS = (
    "List-Id",
    "List-Unsubscribe",
    "List-Post",
    "List-Help",
    "List-Subscribe",
    "List-Owner",
    "List-Archive",
)


def may_auto_respond(msg: Message, envelope_from: str | None, own_addresses: Iterable[str]) -> bool:
    """False for anything automatic, bulk, list mail, bounces or our own mail (STANDARDS C3)."""
    if auto_submitted_value(msg) not in {None, "no"}:
        return False
    if precedence(msg) in {"bulk", "junk", "list"}:
        return False
    if any(all_headers(msg, h) for h in _LIST_HEADERS):
        return False
    sender = (envelope_from or "").strip().strip("<>").strip()
    if not sender or _DAEMON_RE.match(sender):
        return False
    own = {a.strip().lower() for a in own_addresses}
    from_addrs = [a.lower() for _, a in getaddresses([header(msg, "From")]) if a]
    return sender.lower() not in own and not any(a in own for a in from_addrs)

"""Mail a machine wrote is never routed to a person: the signatures that give a system away.

A hard rule, checked before a message may become an inquiry: the null sender (envelope or
Return-Path), MAILER-DAEMON or postmaster (or a list robot: owner-x, x-request, x-bounces, an
x-admin of list software) as sender, a multipart/report or delivery-status part,
X-Failed-Recipients, or Auto-Submitted other than "no". Such mail is a bounce when it reads as
one; otherwise it is quarantined with the reason, for someone to look at, and no coordinator
ever receives it.
"""

from __future__ import annotations

import re
from email.message import Message
from email.utils import getaddresses

from service.inbound.reading.autoreply import auto_submitted_value
from service.inbound.reading.parse import all_headers, dsn_blocks

_DAEMON_LOCAL = re.compile(r"^(?:mailer[-_]?daemon|postmaster|mail[-_]?daemon|mdaemon)$", re.I)
_LIST_ROBOT_LOCAL = re.compile(r"^owner-|-(?:owner|request|bounces?)$", re.I)
_LIST_SOFTWARE = ("X-MLServer", "X-ML-Name", "Mailing-List", "List-Id", "X-Mailman-Version")


def machine_signature(msg: Message, envelope_from: str | None = None) -> str | None:
    """Why a machine wrote this (e.g. "null Return-Path"), or None when nothing says so."""
    if envelope_from is not None and not envelope_from.strip().strip("<>").strip():
        return "null envelope sender"
    if any(not v.strip().strip("<>").strip() for v in all_headers(msg, "Return-Path")):
        return "null Return-Path"
    senders = getaddresses(
        all_headers(msg, "From") + all_headers(msg, "Sender") + all_headers(msg, "Return-Path")
    )
    for _name, address in senders:
        local = address.rpartition("@")[0] or address
        if _DAEMON_LOCAL.match(local):
            return f"sent by {local}"
        if _LIST_ROBOT_LOCAL.search(local) or (
            local.lower().endswith("-admin") and any(all_headers(msg, h) for h in _LIST_SOFTWARE)
        ):
            return f"sent by list software ({local})"
    return _report_signature(msg)


def _report_signature(msg: Message) -> str | None:
    """Report structure and headers that only automatic mail carries."""
    if msg.get_content_type() == "multipart/report":
        return "multipart/report"
    if dsn_blocks(msg):
        return "delivery status notification"
    if all_headers(msg, "X-Failed-Recipients"):
        return "X-Failed-Recipients"
    auto = auto_submitted_value(msg)
    if auto not in {None, "no"}:
        return f"Auto-Submitted: {auto}"
    return None

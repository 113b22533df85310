"""Classify SMTP replies: temporary or permanent, and whose fault (RFC 3463 enhanced codes).

A hard bounce is the recipient's fault only for addressing problems (5.1.x such as 5.1.1 user
unknown, and 5.2.1 mailbox disabled). Policy refusals (5.7.x: authentication, reputation,
message format) are the sender's fault and must not suppress the recipient (STANDARDS A8/F2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SENDER_ADDRESS = {"1.7", "1.8"}  # bad sender mailbox / sender system address
_RECIPIENT_MAILBOX = {"2.1"}  # mailbox disabled
_CLASSIC_RCPT_UNKNOWN = {550, 551, 553}


@dataclass(frozen=True)
class ReplyVerdict:
    """permanent: never retry; recipient_fault: a hard bounce; category for reports and alerts."""

    permanent: bool
    recipient_fault: bool
    category: str  # recipient | policy | mailbox | transient | other


def enhanced_code(text: str) -> str | None:
    """The first RFC 3463 code in a reply text, e.g. '5.1.1'."""
    match = _ENHANCED.search(text)
    return ".".join(match.groups()) if match else None


def classify_reply(code: int, text: str, *, stage: str) -> ReplyVerdict:
    """Judge a negative reply at stage MAIL, RCPT or DATA."""
    if code < 500:
        return ReplyVerdict(False, False, "transient")
    enhanced = enhanced_code(text)
    if enhanced is None:
        fault = stage == "RCPT" and code in _CLASSIC_RCPT_UNKNOWN
        return ReplyVerdict(True, fault, "recipient" if fault else "other")
    subject_detail = enhanced.split(".", 1)[1]
    subject = subject_detail.split(".")[0]
    if subject == "7":
        return ReplyVerdict(True, False, "policy")
    if subject == "1" and subject_detail not in _SENDER_ADDRESS:
        return ReplyVerdict(True, True, "recipient")
    if subject_detail in _RECIPIENT_MAILBOX:
        return ReplyVerdict(True, True, "recipient")
    if subject == "2":
        return ReplyVerdict(True, False, "mailbox")
    return ReplyVerdict(True, False, "other")

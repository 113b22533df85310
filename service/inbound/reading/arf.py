"""Abuse reports (ARF, RFC 5965): recognise them and pull out the complained-about recipient."""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser

from service.inbound.reading.parse import all_text, header, part_text, walk_safely

_FEEDBACK_TYPE_RE = re.compile(r"^Feedback-Type:\s*([\w-]+)", re.I | re.M)
_ORIG_RCPT_RE = re.compile(
    r"^(?:Original-Rcpt-To|Removal-Recipient):\s*<?([^\s<>]+@[^\s<>]+)>?", re.I | re.M
)
_SES_COMPLAINT_RE = re.compile(r'"notificationType"\s*:\s*"Complaint"', re.I)


@dataclass(frozen=True)
class Complaint:
    """A parsed feedback report."""

    feedback_type: str
    addresses: list[str] = field(default_factory=list)
    original: Message | None = None


def parse_complaint(msg: Message) -> Complaint | None:
    """A Complaint when msg is an ARF report (or an SES complaint notification), else None."""
    microsoft = _jmrp_or_apple(msg)
    if microsoft is not None:
        return microsoft
    report = _feedback_part(msg)
    text = all_text(msg)
    if report is None and not _looks_like_arf(msg, text):
        return None
    fields = _report_text(report) if report is not None else text
    match = _FEEDBACK_TYPE_RE.search(fields)
    ftype = match.group(1).lower() if match else "abuse"
    addresses = _ORIG_RCPT_RE.findall(fields)
    original = _original(msg)
    if not addresses and original is not None:
        addresses = [a for a in re.findall(r"[\w.+=-]+@[\w.-]+", header(original, "To"))]
    return Complaint(feedback_type=ftype, addresses=_dedupe(addresses), original=original)


def _jmrp_or_apple(msg: Message) -> Complaint | None:
    """Microsoft JMRP (original carries X-HmXmrOriginalRecipient) and Apple Mail's opt-out
    (X-Apple-Unsubscribe: true): both report a recipient who does not want our mail."""
    if header(msg, "X-Apple-Unsubscribe").strip().lower() == "true":
        return Complaint(
            feedback_type="opt-out",
            addresses=_dedupe(re.findall(r"[\w.+=-]+@[\w.-]+", header(msg, "From"))),
        )
    original = _original(msg)
    if original is None:
        return None
    recipient = header(original, "X-HmXmrOriginalRecipient")
    if not recipient and not re.match(
        r"\s*complaint about message from", header(msg, "Subject"), re.I
    ):
        return None
    addresses = (
        [recipient.strip()]
        if recipient
        else re.findall(r"[\w.+=-]+@[\w.-]+", header(original, "To"))
    )
    return Complaint(feedback_type="abuse", addresses=_dedupe(addresses), original=original)


def _feedback_part(msg: Message) -> Message | None:
    """The message/feedback-report part, if any."""
    for part in walk_safely(msg, into_embedded=False):
        if part.get_content_type() == "message/feedback-report":
            return part
    return None


def _looks_like_arf(msg: Message, text: str) -> bool:
    """Reports whose MIME type got lost but whose fields or JSON say it is a complaint."""
    ctype = header(msg, "Content-Type").lower()
    if "feedback-report" in ctype:
        return True
    if _SES_COMPLAINT_RE.search(text):
        return True
    return bool(_FEEDBACK_TYPE_RE.search(text)) and "user-agent:" in text.lower()


def _report_text(part: Message) -> str:
    """The report's fields as text (the parser may give a string, bytes, or header blocks)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n".join(
            "\n".join(f"{k}: {v}" for k, v in block.raw_items())
            for block in payload
            if isinstance(block, Message)
        )
    return part_text(part)


def _original(msg: Message) -> Message | None:
    """The returned original (message/rfc822 or text/rfc822-headers), parsed."""
    for part in walk_safely(msg, into_embedded=False):
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
        if part.get_content_type() == "text/rfc822-headers":
            return HeaderParser(policy=email.policy.default).parsestr(part_text(part))
    return None


def _dedupe(items: list[str]) -> list[str]:
    """Order-preserving, case-insensitive de-duplication."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.lower(), item)
    return list(seen.values())

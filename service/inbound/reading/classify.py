"""One entry point: raw inbound bytes -> an InboundVerdict (pure; no database, no network)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from service.addressing.subaddresses import (
    BOUNCE_TAG,
    REPLY_TAG,
    UNSUBSCRIBE_TAG,
    addresses_in_text,
    tokens_in,
)
from service.inbound.reading.arf import parse_complaint
from service.inbound.reading.autoreply import (
    auto_submitted_value,
    autoreply_reason,
    challenge_response,
)
from service.inbound.reading.bounces import (
    analyse_bounce,
    bounce_evidence,
    bounce_strength,
    dsn_is_failure,
)
from service.inbound.reading.dmarc import is_dmarc_report
from service.inbound.reading.machine_mail import machine_signature
from service.inbound.reading.parse import (
    Quarantine,
    all_headers,
    all_text,
    body_text,
    header,
    parse_message,
)
from service.inbound.reading.reply_text import visible_text
from service.inbound.reading.unsubscribe import is_unsubscribe_request

log = logging.getLogger(__name__)
_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc")


@dataclass
class InboundVerdict:
    """What an inbound message is and what it refers to; JSON-serialisable via to_dict()."""

    kind: str
    bounce_type: str | None = None
    bounce_category: str | None = None
    status_code: str | None = None
    smtp_code: str | None = None
    addresses: list[str] = field(default_factory=list)
    bounce_tokens: list[str] = field(default_factory=list)
    reply_tokens: list[str] = field(default_factory=list)
    unsubscribe_tokens: list[str] = field(default_factory=list)
    text: str | None = None
    subject: str = ""
    from_address: str = ""
    message_id: str = ""
    reason: str | None = None
    original_message_id: str | None = None  # of our message a complaint quotes
    # Message-IDs in returned originals (bounces and complaints): how a report names our delivery
    returned_message_ids: list[str] = field(default_factory=list)
    is_automatic: bool = False
    quarantined: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for the verdict JSON column."""
        return asdict(self)


def classify_message(
    raw: bytes, *, envelope_to: Iterable[str] = (), envelope_from: str | None = None
) -> InboundVerdict:
    """Classify raw bytes; never raises: unreadable input comes back quarantined with a reason.

    `envelope_from` is the SMTP MAIL FROM when known ("" is the null sender); None = unknown.
    """
    try:
        msg = parse_message(raw)
        return _classify(msg, list(envelope_to), envelope_from)
    except Quarantine as exc:
        return InboundVerdict(kind="unknown", reason=exc.reason, quarantined=True)
    except Exception as exc:  # a classifier bug must not lose mail: quarantine and keep the bytes
        log.exception("classifier failed")
        return InboundVerdict(
            kind="unknown",
            reason=f"classifier error: {type(exc).__name__}: {exc}",
            quarantined=True,
        )


def _classify(msg: Message, envelope_to: list[str], envelope_from: str | None) -> InboundVerdict:
    """Decide in order: complaint, bounce (DSN/strong), auto-reply, weak bounce, machine, human."""
    text = all_text(msg)
    base = _base_fields(msg, envelope_to, text)
    complaint = parse_complaint(msg)
    if complaint is not None:
        if complaint.original is not None:  # our VERP Return-Path names campaign and subscriber
            returned = [all_headers(complaint.original, h) for h in ("Return-Path", "Sender")]
            more = tokens_in(_split([v for values in returned for v in values]), BOUNCE_TAG)
            base["bounce_tokens"] += [t for t in more if t not in base["bounce_tokens"]]
        return InboundVerdict(
            kind="complaint",
            addresses=complaint.addresses,
            reason=complaint.feedback_type,
            is_automatic=True,
            original_message_id=header(complaint.original, "Message-ID")[:500]
            if complaint.original is not None
            else None,
            **base,
        )
    if is_dmarc_report(msg):  # an aggregate (rua) report to our report address: machine data
        return InboundVerdict(kind="dmarc_report", reason="aggregate", is_automatic=True, **base)
    if challenge_response(msg, text):
        return InboundVerdict(
            kind="autoreply", reason="challenge-response", is_automatic=True, **base
        )
    strength = bounce_strength(msg, text)
    if strength == "dsn" and not dsn_is_failure(msg):
        return InboundVerdict(
            kind="unknown", reason="delivery report without failures", is_automatic=True, **base
        )
    body = body_text(msg)
    auto = autoreply_reason(msg, body)
    if strength in {"dsn", "strong"} or (
        strength == "weak" and auto in {None, "auto-submitted", "precedence"}
    ):
        return _bounce_verdict(msg, text, base, strength)
    if auto is not None:
        return InboundVerdict(
            kind="autoreply", reason=auto, is_automatic=True, text=visible_text(body), **base
        )
    signature = machine_signature(msg, envelope_from)
    if signature is not None:  # the hard rule: a machine's mail never reaches a coordinator
        return _machine_verdict(msg, text, base, signature)
    return _human_verdict(msg, body, base)


def _machine_verdict(
    msg: Message, text: str, base: dict[str, Any], signature: str
) -> InboundVerdict:
    """A bounce when it reads as one; otherwise quarantined with the reason, never a person's."""
    if bounce_evidence(msg, text):
        return _bounce_verdict(msg, text, base, f"machine ({signature})")
    reason = f"automatic mail ({signature}) that reads as neither bounce nor auto-reply"
    return InboundVerdict(
        kind="unknown", reason=reason, is_automatic=True, quarantined=True, **base
    )


def _base_fields(msg: Message, envelope_to: list[str], text: str) -> dict[str, Any]:
    """Tokens and identifying headers common to every verdict."""
    recipients = envelope_to + [a for h in _RECIPIENT_HEADERS for a in _split(all_headers(msg, h))]
    bounce_sources = recipients + addresses_in_text(text, BOUNCE_TAG) + _embedded_senders(msg)
    return {
        "bounce_tokens": tokens_in(bounce_sources, BOUNCE_TAG),
        "reply_tokens": tokens_in(recipients, REPLY_TAG),
        "unsubscribe_tokens": tokens_in(recipients, UNSUBSCRIBE_TAG),
        "subject": header(msg, "Subject")[:500],
        "from_address": header(msg, "From")[:320],
        "message_id": header(msg, "Message-ID")[:500],
        "returned_message_ids": _embedded_message_ids(msg),
    }


def _split(values: list[str]) -> list[str]:
    """Address-list header values split into single addresses."""
    from email.utils import getaddresses

    return [addr for _, addr in getaddresses(values) if addr]


def _embedded_message_ids(msg: Message) -> list[str]:
    """Message-IDs of returned originals (message/rfc822 or text/rfc822-headers parts)."""
    from email.parser import HeaderParser

    from service.inbound.reading.parse import POLICY, part_text, walk_safely

    found: list[str] = []
    for part in walk_safely(msg):
        if part is msg or part.get_content_type() == "multipart/report":
            continue
        if part.get_content_type() == "text/rfc822-headers":
            part = HeaderParser(policy=POLICY).parsestr(part_text(part)[:64_000])
        value = header(part, "Message-ID").strip()[:200]
        if value and value not in found:
            found.append(value)
    return found[:5]


def _embedded_senders(msg: Message) -> list[str]:
    """Return-Path/Sender/From of returned originals: where our VERP address comes back."""
    from service.inbound.reading.parse import walk_safely

    found: list[str] = []
    for part in walk_safely(msg):
        if part is msg or part.get_content_type() in {"message/rfc822", "multipart/report"}:
            continue
        if part.get("Return-Path") or part.get("Message-ID"):
            found += _split(
                all_headers(part, "Return-Path")
                + all_headers(part, "Sender")
                + all_headers(part, "From")
            )
    return found


def _bounce_verdict(
    msg: Message, text: str, base: dict[str, Any], strength: str | None
) -> InboundVerdict:
    """A bounce verdict with addresses and the hard/soft/policy decision."""
    report = analyse_bounce(msg, text)
    d = report.diagnosis
    return InboundVerdict(
        kind="bounce",
        bounce_type=d.bounce_type,
        bounce_category=d.category,
        status_code=d.status_code,
        smtp_code=d.smtp_code,
        addresses=report.addresses,
        reason=f"{strength}: {report.diagnostic[:300]}",
        is_automatic=True,
        **base,
    )


def _human_verdict(msg: Message, body: str, base: dict[str, Any]) -> InboundVerdict:
    """A person's mail: an unsubscribe request, an inquiry, or unknown when it says nothing."""
    text = visible_text(body)
    automatic = auto_submitted_value(msg) not in {None, "no"}
    if is_unsubscribe_request(text, base["subject"]):
        return InboundVerdict(kind="unsubscribe", text=text, is_automatic=automatic, **base)
    if not text.strip():
        return InboundVerdict(
            kind="unknown", reason="no visible text", text=text, is_automatic=automatic, **base
        )
    return InboundVerdict(kind="inquiry", text=text, is_automatic=automatic, **base)


def classify_files(paths: Iterable[str | Path]) -> Iterator[dict[str, Any]]:
    """Dry-run view for the CLI: one dict per file with kind, bounce_type, addresses, text."""
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            yield {
                "file": str(path),
                "kind": "unknown",
                "bounce_type": None,
                "addresses": [],
                "text": None,
                "error": f"cannot read {path}: {exc.strerror}",
            }
            continue
        verdict = classify_message(raw)
        yield {
            "file": str(path),
            "kind": verdict.kind,
            "bounce_type": verdict.bounce_type,
            "addresses": verdict.addresses,
            "text": verdict.text
            if verdict.kind in {"inquiry", "unsubscribe", "autoreply"}
            else None,
        }

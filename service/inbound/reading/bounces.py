"""Recognise bounces (RFC 3464 DSNs and the many non-standard formats) and read what failed."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from dataclasses import dataclass, field
from email.message import Message

from service.inbound.reading.bounce_rules import Diagnosis, diagnose
from service.inbound.reading.failed_recipients import (
    FAILED_ACTIONS,
    dsn_failures,
    prefer_sent_to,
    x_failed_recipients,
)
from service.inbound.reading.parse import dsn_blocks, header

log = logging.getLogger(__name__)

_DAEMON_FROM_RE = re.compile(
    r"mailer[-_ ]?daemon|post_?master|mail delivery (?:sub)?system|mail administrator"
    r"|mail ?delivery"
    r"|mdaemon|\bmail ?router|returned mail|nicht zustellbar",
    re.I,
)
_BOUNCE_SUBJECT_RE = re.compile(
    r"undeliver|undelivered|returned mail|return(?:ed)? to sender|delivery (?:status )?notification"
    r"|delivery (?:has )?fail|failure notice|mail delivery fail|delivery failure|non[- ]?deliver"
    r"|could not (?:be )?deliver|unable to deliver|delivery problem|mail system error|unzustellbar"
    r"|nicht zustellbar|non remis|warning: (?:could not|message)|delayed mail|delivery (?:delay"
    r"|report)"
    r"|message not delivered|mail could not|rejected|bounce|permanent error|fehler beim zustellen"
    r"|mail fail|failed|errors? from|not (?:a )?member|エラー|不達|配信",
    re.I,
)
_BOUNCE_BODY_RE = re.compile(
    r"could not be delivered|couldn'?t be delivered|was not delivered|undeliverable"
    r"|delivery (?:has )?failed"
    r"|permanent(?:ly)? (?:fatal )?(?:error|failure)|following (?:address|recipient)e?s?(?: had)?"
    r"|(?:user|recipient|mailbox) unknown|no such user|unable to deliver|delivery to the following"
    r"|message (?:was )?(?:returned|rejected)|this is the mail system|mail delivery failed"
    r"|could not deliver|not be delivered|recipient address rejected|host unknown|quota exceeded"
    r"|mailbox (?:is )?full|delivery status notification|konnte nicht zugestellt"
    r"|not a valid (?:user|recipient|address|mailbox)|invalid (?:user|recipient|mailbox)",
    re.I,
)
_ADDR_RE = re.compile(r"<?([A-Za-z0-9._%+=!#$&'*/?^`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?")
_FAILED_ACTIONS = FAILED_ACTIONS
_RCPT_LINE_RE = re.compile(
    r"^(final|original)-recipient:\s*(?:rfc822|[\w-]+);\s*<?([^\s<>;]+@[^\s<>;]+)>?", re.I | re.M
)
_STATUS_LINE_RE = re.compile(r"^status:\s*([245]\.\d{1,3}\.\d{1,3})", re.I | re.M)


@dataclass(frozen=True)
class BounceReport:
    """A recognised bounce: what kind of failure, for which addresses."""

    diagnosis: Diagnosis
    addresses: list[str] = field(default_factory=list)
    diagnostic: str = ""


def bounce_strength(msg: Message, text: str) -> str | None:
    """'dsn' for RFC 3464 reports, 'strong'/'weak' for heuristic matches, None otherwise."""
    ctype = header(msg, "Content-Type").lower()
    if "delivery-status" in ctype or dsn_blocks(msg):
        return "dsn"
    from_header = header(msg, "From")
    subject = header(msg, "Subject")
    body_hit = bool(_BOUNCE_BODY_RE.search(text[:20_000]))
    if _DAEMON_FROM_RE.search(from_header) or from_header.strip() in {"", "<>"}:
        # Daemons send nothing but delivery reports and their warnings; one that says nothing
        # of a failure is unreadable, and machine_mail.py quarantines it rather than scoring
        # a subscriber for it.
        if body_hit or _BOUNCE_SUBJECT_RE.search(subject) or _STATUS_OR_CODE.search(text):
            return "strong"
        return "strong" if _returns_a_message(msg) else None
    if _DAEMON_FROM_RE.search(header(msg, "Return-Path")) and (
        body_hit or _BOUNCE_SUBJECT_RE.search(subject)
    ):
        return "strong"
    if _BOUNCE_SUBJECT_RE.search(subject) and body_hit:
        return "strong"
    if body_hit and _STATUS_OR_CODE.search(text):
        return "weak"
    return None


_STATUS_OR_CODE = re.compile(r"\b[45]\.\d{1,3}\.\d{1,3}\b|\b(?:550|551|552|553|554|450|451|452)\b")


def _returns_a_message(msg: Message) -> bool:
    """An attached original (message/rfc822, text/rfc822-headers): what daemons send back."""
    from service.inbound.reading.parse import walk_safely

    returned = {"message/rfc822", "text/rfc822-headers"}
    return any(p is not msg and p.get_content_type() in returned for p in walk_safely(msg))


def bounce_evidence(msg: Message, text: str) -> bool:
    """Failure phrases in the text or subject, or failed-recipient fields (for machine mail)."""
    return bool(
        _BOUNCE_BODY_RE.search(text[:20_000])
        or _BOUNCE_SUBJECT_RE.search(header(msg, "Subject"))
        or dsn_blocks(msg)
        or x_failed_recipients(msg)
    )


def dsn_is_failure(msg: Message) -> bool:
    """False when every recipient block reports delivered/relayed/expanded (a success DSN)."""
    actions = [str(b.get("Action", "")).strip().lower() for b in dsn_blocks(msg)]
    actions = [a for a in actions if a]
    return not actions or any(a.startswith(_FAILED_ACTIONS) for a in actions)


def analyse_bounce(msg: Message, text: str) -> BounceReport:
    """Read the failed recipients and decide hard/soft/policy for the bounce as a whole."""
    dsn = dsn_failures(msg)
    if not dsn.recipients:  # a report whose MIME structure broke still carries its fields as text
        lines = _RCPT_LINE_RE.findall(text)
        originals = [a for kind, a in lines if kind.lower() == "original"]
        dsn.recipients = _dedupe(originals or [a for _kind, a in lines])
        dsn.from_final = not originals
        dsn.status = dsn.status or (m.group(1) if (m := _STATUS_LINE_RE.search(text)) else None)
    # The address we sent to, not the reporting system's own name (failed_recipients.py).
    addresses = prefer_sent_to(msg, dsn) or _flufl_addresses(msg) or _text_addresses(text, msg)
    diag = " ".join(d for d in dsn.diagnostics if d)
    evidence = " ".join(filter(None, [diag, _diagnostic_excerpt(text)]))
    diagnosis = diagnose(evidence, dsn.status, delayed=dsn.delayed, remote=diag)
    return BounceReport(diagnosis=diagnosis, addresses=addresses, diagnostic=evidence[:2000])


def _flufl_addresses(msg: Message) -> list[str]:
    """Addresses flufl.bounce's detectors find (they want a compat32 message)."""
    from flufl.bounce import all_failures

    try:
        legacy = email.message_from_bytes(msg.as_bytes(policy=email.policy.compat32))
        temporary, permanent = all_failures(legacy)
    except Exception:  # its heuristics assume well-formed input; a failure here is not fatal
        log.debug("flufl.bounce failed", exc_info=True)
        return []
    found = [
        a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a)
        for a in (*permanent, *temporary)
    ]
    return sorted({a.strip("<>").strip() for a in found if "@" in a})


def _text_addresses(text: str, msg: Message) -> list[str]:
    """Addresses named near failure phrases, excluding the bounce's own sender and receiver."""
    exclude = {a.lower() for a in _ADDR_RE.findall(header(msg, "From") + " " + header(msg, "To"))}
    found: list[str] = []
    for line in text.splitlines()[:400]:
        for addr in _ADDR_RE.findall(line):
            low = addr.lower()
            if low in exclude or low.startswith(("mailer-daemon", "postmaster")) or addr in found:
                continue
            found.append(addr)
        if len(found) >= 5:
            break
    return found[:1]


def _diagnostic_excerpt(text: str) -> str:
    """The part of the text that explains the failure (skip long original-message tails)."""
    cut = re.search(
        r"^-{2,}.*(?:original message|message headers|returned message).*$", text, re.I | re.M
    )
    return text[: cut.start()] if cut else text[:6000]


def _dedupe(items: list[str]) -> list[str]:
    """Order-preserving, case-insensitive de-duplication."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.lower(), item)
    return list(seen.values())

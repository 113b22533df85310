"""May a mail to a coordinator's answer address speak for the partnership? (issue 15, finding 9)

An answer+TOKEN@ address travels in every hand-off, so holding the token proves nothing.
An answer is relayed to the subscriber only when the envelope sender and the From address are
the coordinator (or a substitute) and the mail is authenticated for that domain: a verifying
DKIM signature aligned with it, or a trusted Authentication-Results header (our own MTA's
authserv-id, `trusted_authserv_ids`) with dmarc=pass, or spf=pass for an aligned envelope.
Everything else is held for the coordinator to confirm. The browser inbox calls the same
`answer_authentication` for mail it shows as an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parseaddr

from service.inbound.reading.authentication import aligned, domain_of, signed_by
from service.inbound.reading.parse import POLICY, all_headers
from service.settings import get_settings

_RESULT = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*(\w+)([^;]*)", re.I)
_PROP = re.compile(r"\b(header\.from|header\.d|header\.i|smtp\.mailfrom)\s*=\s*([^\s;]+)", re.I)


@dataclass(frozen=True)
class AnswerAuth:
    """The decision and why."""

    relay: bool
    reason: str
    sender: str = ""


def answer_authentication(*, raw: bytes, envelope_from: str, allowed: Iterable[str]) -> AnswerAuth:
    """Relay only a mail from an allowed address, authenticated for its domain."""
    senders = {a.strip().lower() for a in allowed if a and "@" in a}
    msg = _headers(raw)
    froms = [a.lower() for _, a in getaddresses(all_headers(msg, "From")) if a] if msg else []
    if len(froms) != 1 or froms[0] not in senders:
        who = froms or "missing"
        return AnswerAuth(False, f"From {who} is not the coordinator or a substitute")
    sender, domain = froms[0], domain_of(froms[0])
    envelope = parseaddr(envelope_from)[1].lower()
    if envelope != sender and not (envelope and aligned(domain_of(envelope), [domain])):
        return AnswerAuth(False, f"envelope sender {envelope or '<>'} does not match {sender}")
    how = sender_authenticated(raw, domain, msg=msg)
    if how is not None:
        return AnswerAuth(True, how, sender)
    return AnswerAuth(False, f"no valid DKIM signature or SPF/DMARC pass for {domain}", sender)


def sender_authenticated(raw: bytes, domain: str, *, msg: Message | None = None) -> str | None:
    """How the mail is authenticated for `domain` (DKIM, or our MTA's results), or None."""
    if signed_by(raw, [domain]) is not None:
        return f"DKIM signature of {domain} verified"
    msg = msg if msg is not None else _headers(raw)
    if msg is not None and _trusted_results_pass(msg, domain):
        return f"our MTA authenticated {domain} (Authentication-Results)"
    return None


def _headers(raw: bytes) -> Message | None:
    """The header block only (the body may be megabytes)."""
    try:
        return BytesHeaderParser(policy=POLICY).parsebytes(raw)
    except Exception:
        return None


def _trusted_results_pass(msg: Message, domain: str) -> bool:
    """dmarc=pass for the From domain, or spf=pass for an aligned envelope, from our own MTA."""
    trusted = {t.lower() for t in get_settings().trusted_authserv_ids}
    for value in all_headers(msg, "Authentication-Results"):
        authserv = value.split(";", 1)[0].strip().split()[0].lower() if value.strip() else ""
        if authserv not in trusted:
            continue  # anyone can write this header; only our MTA's own counts
        for method, result, rest in _RESULT.findall(value):
            props = {k.lower(): v.strip().lower() for k, v in _PROP.findall(rest)}
            target = props.get("header.from") or domain_of(props.get("smtp.mailfrom", ""))
            passed = result.lower() == "pass" and method.lower() in {"dmarc", "spf"}
            if passed and target and aligned(target, [domain]):
                return True
    return False

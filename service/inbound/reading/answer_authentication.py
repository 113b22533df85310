"""May a mail to a coordinator's answer address speak for the partnership? (issue 15, finding 9)

An answer+TOKEN@ address travels in every hand-off, so holding the token proves nothing.
An answer is relayed to the subscriber only when the envelope sender and the From address are
the coordinator (or a substitute) and the mail is authenticated for that domain: a verifying
DKIM signature aligned with it, or a trusted Authentication-Results header (our own MTA's
authserv-id, `trusted_authserv_ids`) with dmarc=pass, or spf=pass for an aligned envelope;
without such a header, our own SPF evaluation of the SMTP client and the envelope domain.
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
from service.inbound.reading.spf_evaluation import spf_for, spf_pass_for
from service.settings import get_settings

_RESULT = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*(\w+)([^;]*)", re.I)
_PROP = re.compile(r"\b(header\.from|header\.d|header\.i|smtp\.mailfrom)\s*=\s*([^\s;]+)", re.I)


@dataclass(frozen=True)
class AnswerAuth:
    """The decision and why."""

    relay: bool
    reason: str
    sender: str = ""


def answer_authentication(
    *,
    raw: bytes,
    envelope_from: str,
    allowed: Iterable[str],
    client_ip: str | None = None,
    client_helo: str | None = None,
) -> AnswerAuth:
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
    notes: list[str] = []
    how = sender_authenticated(
        raw, domain, msg=msg, envelope_from=envelope, client_ip=client_ip,
        client_helo=client_helo, notes=notes,
    )  # fmt: skip
    if how is not None:
        return AnswerAuth(True, how, sender)
    why = f"no valid DKIM signature or SPF/DMARC pass for {domain}"
    return AnswerAuth(False, "; ".join([why, *notes]), sender)


def sender_authenticated(
    raw: bytes,
    domain: str,
    *,
    msg: Message | None = None,
    envelope_from: str = "",
    client_ip: str | None = None,
    client_helo: str | None = None,
    notes: list[str] | None = None,
) -> str | None:
    """How the mail is authenticated for `domain` (DKIM, our MTA's results, or our own SPF
    evaluation of the SMTP client when no trusted Authentication-Results header is there)."""
    if signed_by(raw, [domain]) is not None:
        return f"DKIM signature of {domain} verified"
    msg = msg if msg is not None else _headers(raw)
    trusted = _trusted_results(msg) if msg is not None else []
    if trusted:  # our MTA saw the real client; the address we saw is the MTA's own
        if _results_pass(trusted, domain):
            return f"our MTA authenticated {domain} (Authentication-Results)"
        return None
    spf = spf_for(envelope_from=envelope_from, client_ip=client_ip, helo=client_helo)
    if spf_pass_for(spf, envelope_from=envelope_from, domain=domain):
        return f"SPF pass for {domain_of(envelope_from)} from {client_ip} (our evaluation)"
    if spf is not None and notes is not None:
        notes.append(f"SPF {spf.result} for {domain_of(envelope_from)} from {client_ip}")
    return None


def _headers(raw: bytes) -> Message | None:
    """The header block only (the body may be megabytes)."""
    try:
        return BytesHeaderParser(policy=POLICY).parsebytes(raw)
    except Exception:
        return None


def _trusted_results(msg: Message) -> list[str]:
    """The Authentication-Results headers our own MTA wrote (anyone can write one)."""
    trusted = {t.lower() for t in get_settings().trusted_authserv_ids}
    found = []
    for value in all_headers(msg, "Authentication-Results"):
        authserv = value.split(";", 1)[0].strip().split()[0].lower() if value.strip() else ""
        if authserv in trusted:
            found.append(value)
    return found


def _results_pass(values: list[str], domain: str) -> bool:
    """dmarc=pass for the From domain, or spf=pass for an aligned envelope, from our own MTA."""
    for value in values:
        for method, result, rest in _RESULT.findall(value):
            props = {k.lower(): v.strip().lower() for k, v in _PROP.findall(rest)}
            target = props.get("header.from") or domain_of(props.get("smtp.mailfrom", ""))
            passed = result.lower() == "pass" and method.lower() in {"dmarc", "spf"}
            if passed and target and aligned(target, [domain]):
                return True
    return False

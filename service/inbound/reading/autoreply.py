"""Recognise automatic replies: RFC 3834 and vendor headers, OOO subjects, challenge-response."""

from __future__ import annotations

import re
from email.message import Message

from service.inbound.reading.parse import all_headers, header

_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Response-Suppress")
_OOO_SUBJECT_RE = re.compile(
    r"abwesenheit|automatische\s+antwort|auto(?:matic)?[\s-]*(?:reply|response|antwort)|autoreply"
    r"|out\s+of\s+(?:the\s+)?office|vacation|on\s+leave|away\s+from|urlaub|nicht\s+im\s+b[üu]ro"
    r"|r[ée]ponse\s+automatique|absence|respuesta\s+autom[áa]tica|risposta\s+automatica"
    r"|odpowied[źz]\s+automatyczna|automatyczna|autosvar|automatisch\s+antwoord|afwezig",
    re.I,
)
_CHALLENGE_RE = re.compile(
    r"boxbe|bluebottle|please\s+verify|verify\s+(?:your|that\s+you)|verification\s+request"
    r"|challenge|whitelist|approved\s+senders|sender\s+(?:approval|verification)|spam\s*arrest"
    r"|confirm\s+(?:that\s+)?you\s+are\s+(?:a\s+)?(?:human|real)",
    re.I,
)
_BODY_OOO_RE = re.compile(
    r"\b(?:i\s+am|i'm)\s+(?:currently\s+)?(?:out\s+of\s+(?:the\s+)?office|away|on\s+(?:vacation|holiday|leave))"
    r"|ich\s+bin\s+(?:bis|vom|ab|derzeit|zurzeit|momentan|nicht)|abwesend|auto-?reply",
    re.I,
)


def auto_submitted_value(msg: Message) -> str | None:
    """The most automatic Auto-Submitted keyword (lowercased, params stripped), None if absent."""
    values = [v.split(";")[0].strip().lower() for v in all_headers(msg, "Auto-Submitted")]
    values = [v for v in values if v]
    if not values:
        return None
    automatic = [v for v in values if v != "no"]
    return automatic[0] if automatic else "no"


def precedence(msg: Message) -> str:
    """The Precedence header, lowercased."""
    return header(msg, "Precedence").strip().lower()


_CHALLENGE_HEADERS = (
    "X-Bluebottle-Request",
    "X-Boxbe-Notice",
    "X-Challenge",
    "X-Spamarrest-Challenge",
)
_CHALLENGE_STRONG_RE = re.compile(
    r"boxbe|bluebottle|guest list|not pre-approved|requires confirmation|confirm this mail server"
    r"|approved senders list|verify (?:that )?you are (?:a )?(?:human|real person)|spam ?arrest",
    re.I,
)


def challenge_response(msg: Message, text: str) -> bool:
    """Challenge-response systems (Boxbe, Bluebottle, whitelist confirmations): not bounces."""
    if any(header(msg, h) for h in _CHALLENGE_HEADERS):
        return True
    return bool(_CHALLENGE_STRONG_RE.search(text[:5000]))


def autoreply_reason(msg: Message, body: str) -> str | None:
    """Why msg is an automatic reply (a short tag), or None when it looks human."""
    submitted = auto_submitted_value(msg)
    if submitted == "auto-replied":
        return "auto-submitted"
    if any(header(msg, h) for h in _AUTO_HEADERS[:3]) or header(msg, "X-Autoreply-From"):
        return "x-autoreply"
    if precedence(msg) in {"auto_reply", "autoreply"}:
        return "precedence"
    subject = header(msg, "Subject")
    if _OOO_SUBJECT_RE.search(subject):
        return "subject"
    if _CHALLENGE_RE.search(subject) or (_CHALLENGE_RE.search(body[:3000]) and submitted):
        return "challenge-response"
    if submitted == "auto-generated" or precedence(msg) in {"bulk", "junk"}:
        return "auto-generated" if _BODY_OOO_RE.search(body[:2000]) or submitted else "precedence"
    if _BODY_OOO_RE.search(body[:600]) and len(body) < 3000:
        return "body"
    return None

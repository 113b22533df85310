"""Which SMTP command a remote server's refusal answered (CONN, MAIL, RCPT or DATA).

The stage says what the refusal is about: a reply to RCPT TO judges the address, a reply to the
end of DATA judges the message (its content, its sender, the recipient's own filter). sisimai
uses the same distinction to tell "userunknown" from "filtered". Bounce reports name the stage
in a few fixed phrasings, one per MTA family:

- Postfix: ``(in reply to RCPT TO command)``, ``(in reply to end of DATA command)``
- Exim: ``SMTP error from remote mail server after RCPT TO:<...>:``, ``after end of data:``
- Sendmail and its descendants: a transcript ``>>> RCPT To:<...>`` then ``<<< 550 ...``
- qmail, Courier, Exchange and others: ``RCPT TO:<...>`` or ``DATA`` quoted with the reply
"""

from __future__ import annotations

import re

RCPT, DATA, MAIL, CONN = "RCPT", "DATA", "MAIL", "CONN"

# Phrases that tie a reply to the command it answered; the first one found wins.
_EXPLICIT = [
    (re.compile(r"in\s+reply\s+to\s+(?:end\s+of\s+)?data\s+command", re.I), DATA),
    (re.compile(r"in\s+reply\s+to\s+rcpt\s+to\s+command", re.I), RCPT),
    (re.compile(r"in\s+reply\s+to\s+mail\s+from\s+command", re.I), MAIL),
    (re.compile(r"in\s+reply\s+to\s+(?:helo|ehlo|starttls)\b", re.I), CONN),
    (re.compile(r"after\s+(?:end\s+of\s+data|data\s+command|sending\s+data)\b", re.I), DATA),
    (re.compile(r"after\s+(?:pipelined\s+)?rcpt\s+to\b", re.I), RCPT),
    (re.compile(r"after\s+(?:pipelined\s+)?mail\s+from\b", re.I), MAIL),
    (re.compile(r"\bSMTP:RCPT\b|\[RCPT_TO\]", re.I), RCPT),
    (re.compile(r"after\s+(?:initial\s+connection|helo|ehlo)\b", re.I), CONN),
]
# A Sendmail-style transcript: the last command sent before the first failing reply.
_SENT_RE = re.compile(r"^\s*>>>\s*(RCPT|DATA|MAIL|HELO|EHLO|\.)\b", re.I | re.M)
_FAILED_REPLY_RE = re.compile(r"^\s*<<<\s*[45]\d\d\b", re.M)
# A reply that quotes its own command ("550 RCPT TO:<x> ...", sisimai's SMTP::Command.find);
# upper case only, as there: 'data' and 'mail from' are also plain words.
_QUOTED_RE = re.compile(r"\b(RCPT TO|MAIL FROM)\b")
_NAMES = {"rcpt": RCPT, "data": DATA, ".": DATA, "mail": MAIL, "helo": CONN, "ehlo": CONN}


def smtp_stage(text: str) -> str | None:
    """The SMTP command the failure answered, or None when the report does not say."""
    for pattern, stage in _EXPLICIT:
        if pattern.search(text):
            return stage
    return _transcript_stage(text) or _quoted_stage(text)


def _transcript_stage(text: str) -> str | None:
    """In a '>>> command / <<< reply' transcript, the command right before the first 4xx/5xx."""
    failed = _FAILED_REPLY_RE.search(text)
    if failed is None:
        return None
    sent = [m for m in _SENT_RE.finditer(text, 0, failed.start())]
    return _NAMES[sent[-1].group(1).lower()] if sent else None


def _quoted_stage(text: str) -> str | None:
    """A command named in upper case next to the reply (case matters: 'data' is a word)."""
    found = _QUOTED_RE.findall(text)
    return (RCPT if found[-1] == "RCPT TO" else MAIL) if found else None

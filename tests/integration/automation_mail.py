"""Reading what the SMTP capture got: who received which announcement, in which language."""

from __future__ import annotations

import email
import re
from collections import Counter
from email import policy

from service.demo.capture import CapturedMail

TITLE = re.compile(r"\b(EN|DE) ([a-z0-9-]+)\b")


def text_of(mail: CapturedMail) -> str:
    """The plain-text part of a captured message."""
    message = email.message_from_bytes(mail.data, policy=policy.default)
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def header(mail: CapturedMail, name: str) -> str:
    """One header of a captured message."""
    return str(email.message_from_bytes(mail.data, policy=policy.default)[name] or "")


def items_received(captured: list[CapturedMail]) -> Counter[tuple[str, str, str]]:
    """(recipient, language, announcement slug) -> how many times it arrived."""
    got: Counter[tuple[str, str, str]] = Counter()
    for mail in captured:
        seen = set(TITLE.findall(text_of(mail)))  # a title appears once per mail
        for rcpt in mail.rcpt_tos:
            got.update((rcpt, lang.lower(), slug) for lang, slug in seen)
    return got

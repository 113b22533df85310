"""A reply whose visible text only asks to be removed from the list (German or English)."""

from __future__ import annotations

import re

_REQUEST_RE = re.compile(
    r"^(?:(?:bitte|please|pls|kindly|hiermit|i\s+want\s+to|i\s+would\s+like\s+to|ich\s+m[öo]chte(?:\s+mich)?)\s*)?"
    r"(?:unsubscribe|abmelden|austragen|abbestellen|stop|stopp|remove(?:\s+me)?|take\s+me\s+off|opt[\s-]?out"
    r"|k[üu]ndigen|newsletter\s+abbestellen|vom\s+newsletter\s+abmelden|keine\s+(?:e-?mails?|newsletter)\s+mehr"
    r"|no\s+more\s+e-?mails?)"
    r"(?:\s+(?:me|mich|please|bitte|from\s+(?:this|the|your)\s+(?:list|newsletter|mailing\s+list)"
    r"|(?:aus|von)\s+(?:dem|diesem|ihrem|eurem|dem)\s+(?:verteiler|newsletter)|abmelden|austragen))*"
    r"\s*[.!]*\s*(?:(?:danke|thanks|thank\s+you|vielen\s+dank|mfg|regards|best|gruß|grüße)[\s,.!]*\w*[\s.!]*)?$",
    re.I,
)
_SUBJECT_RE = re.compile(r"^\s*(?:re:\s*)*(?:unsubscribe|abmelden|austragen|abbestellen)\b", re.I)


def is_unsubscribe_request(visible: str, subject: str = "") -> bool:
    """True when the person's own words are nothing but a removal request."""
    words = " ".join(visible.split())
    if len(words) > 160:
        return False
    if _REQUEST_RE.match(words):
        return True
    return not words and bool(_SUBJECT_RE.match(subject))

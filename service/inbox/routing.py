"""Who should answer a reply: the announcement's coordinator, a mentioned one, a topic, triage."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select

from service.addressing.mailbox_tokens import ReplyTarget
from service.models import Announcement
from service.models.inquiry import RoutingReason

TopicRules = dict[str, list[str]]  # topic -> keywords (lowercase)


def route_announcement(
    session: Session, *, target: ReplyTarget | None, text: str, quoted: str, topics: TopicRules
) -> Announcement | None:
    """The announcement a reply is about: named by token, else mentioned, quoted, by topic."""
    return route_with_reason(session, target=target, text=text, quoted=quoted, topics=topics)[0]


def route_with_reason(
    session: Session, *, target: ReplyTarget | None, text: str, quoted: str, topics: TopicRules
) -> tuple[Announcement | None, RoutingReason]:
    """The announcement and which rule found it (TRIAGE when none did)."""
    if target and target.announcement_id:
        found = session.get(Announcement, target.announcement_id)
        return found, RoutingReason.REPLY_TOKEN if found else RoutingReason.TRIAGE
    candidates = list(session.exec(select(Announcement).order_by(col(Announcement.priority))))
    # The person's own words first; then the quote, but only when it points at one
    # announcement: a client that quotes the whole edition names all of them.
    in_text = _named(candidates, text)
    if in_text:
        return in_text[0], RoutingReason.NAMED_ANNOUNCEMENT
    in_quote = _named(candidates, quoted)
    if len(in_quote) == 1:
        return in_quote[0], RoutingReason.QUOTED_SECTION
    for topic, words in topics.items():
        if any(re.search(rf"\b{re.escape(w)}\b", text.lower()) for w in words):
            found = next((a for a in candidates if a.topic == topic), None)
            return found, RoutingReason.TOPIC_RULE if found else RoutingReason.TRIAGE
    return None, RoutingReason.TRIAGE


def _named(candidates: list[Announcement], haystack: str) -> list[Announcement]:
    """The announcements whose title or link appears in the text."""
    lowered = haystack.lower()
    return [a for a in candidates if any(_mentions(lowered, s) for s in _signals(a))]


def _signals(ann: Announcement) -> list[str]:
    """Strings whose presence in a reply points at this announcement."""
    return [s for s in (ann.title_en, ann.title_de, ann.cta_url, f"/a/{ann.slug}") if s]


def _mentions(haystack: str, signal: str) -> bool:
    """Titles match case-insensitively when long enough to be specific."""
    return len(signal) >= 8 and signal.lower() in haystack

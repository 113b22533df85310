"""The preference centre's model: lists, topics, language and tracking consent of one subscriber."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.audience.ledger import record
from service.audience.profile import apply_profile, check_topics
from service.audience.withdrawal import GONE, memberships, set_membership
from service.errors import InvalidInput
from service.models._common import utcnow
from service.models.consent import ConsentEventKind, WithdrawalChannel
from service.models.subscriber import Language, Subscriber
from service.settings import get_settings


@dataclass(frozen=True)
class PreferenceView:
    """What the preference page shows."""

    lists: dict[str, bool]
    list_names: dict[str, str]
    topics: dict[str, bool]
    language: str
    tracking_consent: bool
    unsubscribed: bool
    attributes: dict[str, Any]


def view(session: Session, *, subscriber: Subscriber) -> PreferenceView:
    """Current preferences, with every known list and topic (checked or not)."""
    settings = get_settings()
    lists = memberships(session, subscriber=subscriber)
    chosen = _topics_of(subscriber)
    topics = {t: t in chosen for t in [*settings.preference_topics, *sorted(chosen)]}
    return PreferenceView(
        lists=lists,
        list_names={slug: settings.mailing_lists.get(slug, slug) for slug in lists},
        topics=topics,
        language=subscriber.language,
        tracking_consent=subscriber.tracking_consent,
        unsubscribed=subscriber.status in GONE,
        attributes=dict(subscriber.attributes or {}),
    )


def update(
    session: Session,
    *,
    subscriber: Subscriber,
    lists: set[str],
    topics: set[str],
    language: str,
    tracking_consent: bool,
    ip: str | None,
    profile: dict[str, str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Apply a submitted preference form; ledger rows record what changed, and how."""
    now = now or utcnow()
    if subscriber.status in GONE:  # coming back needs a fresh, confirmed subscription
        raise InvalidInput("unsubscribed from everything: please subscribe again to return")
    if language not in {lang.value for lang in Language}:
        raise InvalidInput(f"language: expected de or en, got {language!r}")
    check_topics(get_settings(), topics, held=_topics_of(subscriber))
    known = memberships(session, subscriber=subscriber)
    if unknown := lists - set(known):
        raise InvalidInput(f"lists: unknown list {sorted(unknown)[0]!r}")
    left = sorted(s for s, on in known.items() if on and s not in lists)
    joined = sorted(s for s, on in known.items() if not on and s in lists)
    for slug in left + joined:
        set_membership(
            session, subscriber=subscriber, list_slug=slug, active=slug in lists, now=now
        )
    changes = _apply_profile(
        subscriber, topics=topics, language=language, tracking=tracking_consent
    )
    changes |= _apply_fields(subscriber, profile or {})
    changes |= {"joined": joined} if joined else {}
    session.flush()
    assert subscriber.id is not None
    if left:
        record(
            session,
            subscriber_id=subscriber.id,
            event=ConsentEventKind.WITHDRAWAL,
            source="preference centre",
            ip=ip,
            channel=WithdrawalChannel.LINK,
            detail={"scope": "list", "lists": left},
            occurred_at=now,
        )
    if changes:
        record(
            session,
            subscriber_id=subscriber.id,
            event=ConsentEventKind.PREFERENCE_CHANGE,
            source="preference centre",
            ip=ip,
            detail=changes,
            occurred_at=now,
        )
    return changes | ({"left": left} if left else {})


def _apply_profile(
    subscriber: Subscriber, *, topics: set[str], language: str, tracking: bool
) -> dict[str, Any]:
    """Set topics, language and tracking consent; return {field: [old, new]} for changes."""
    changes: dict[str, Any] = {}
    old_topics = _topics_of(subscriber)
    if topics != old_topics:
        subscriber.attributes = {**subscriber.attributes, "topics": sorted(topics)}
        changes["topics"] = [sorted(old_topics), sorted(topics)]
    if language != subscriber.language:
        changes["language"] = [subscriber.language, language]
        subscriber.language = language
    if tracking != subscriber.tracking_consent:
        changes["tracking_consent"] = [subscriber.tracking_consent, tracking]
        subscriber.tracking_consent = tracking
    return changes


def _apply_fields(subscriber: Subscriber, values: dict[str, str]) -> dict[str, Any]:
    """Set the profile fields segments read; return {attr: [old, new]} for changes."""
    before = subscriber.attributes or {}
    after = apply_profile(before, values)
    changes = {a: [before.get(a), after.get(a)] for a in values if before.get(a) != after.get(a)}
    if changes:
        subscriber.attributes = after
    return changes


def _topics_of(subscriber: Subscriber) -> set[str]:
    """The subscriber's topics attribute as a set of strings."""
    raw = (subscriber.attributes or {}).get("topics")
    return {t for t in raw if isinstance(t, str)} if isinstance(raw, list) else set()

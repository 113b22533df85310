"""What the newsroom shows about one subscriber: status, lists, consent history, deliveries,
tracking events and inquiries (the latest of each, bounded)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from service.audience.ledger import history
from service.errors import NotFound
from service.models import (
    ConsentEvent,
    Delivery,
    Inquiry,
    ListSubscription,
    Subscriber,
    Suppression,
    TrackingEvent,
)
from service.settings import get_settings

LATEST = 50


@dataclass(frozen=True)
class ListConsent:
    """One mailing list as the subscriber holds it: subscribed, left, or never consented."""

    list_slug: str
    list_name: str
    state: str  # subscribed | left | none
    changed_at: Any = None


@dataclass(frozen=True)
class SubscriberView:
    """One subscriber's page."""

    subscriber: Subscriber
    suppression: Suppression | None
    lists: list[ListConsent]  # every configured list, plus any other the subscriber has a row for
    consent: list[ConsentEvent]
    deliveries: list[Delivery]
    events: list[Any]
    inquiries: list[Inquiry]


def subscriber_view(session: Session, *, subscriber_id: int) -> SubscriberView:
    """Everything the subscriber page lists, newest first (the consent ledger oldest first)."""
    sub = session.get(Subscriber, subscriber_id)
    if sub is None:
        raise NotFound(f"subscriber {subscriber_id} does not exist")
    suppression = session.exec(
        select(Suppression).where(Suppression.email_hash == sub.email_hash)
    ).first()
    lists = session.exec(
        select(ListSubscription).where(ListSubscription.subscriber_id == subscriber_id)
    ).all()
    deliveries = session.exec(
        select(Delivery)
        .where(Delivery.subscriber_id == subscriber_id)
        .order_by(col(Delivery.id).desc())
        .limit(LATEST)
    ).all()
    events = session.exec(
        select(TrackingEvent)
        .where(TrackingEvent.subscriber_id == subscriber_id)
        .order_by(col(TrackingEvent.id).desc())
        .limit(LATEST)
    ).all()
    inquiries = session.exec(
        select(Inquiry)
        .where(Inquiry.subscriber_id == subscriber_id)
        .order_by(col(Inquiry.id).desc())
        .limit(LATEST)
    ).all()
    return SubscriberView(
        sub, suppression, consent_per_list(list(lists)),
        history(session, subscriber_id=subscriber_id),
        list(deliveries), list(events), list(inquiries),
    )  # fmt: skip


def consent_per_list(rows: list[ListSubscription]) -> list[ListConsent]:
    """Consent per list: a list without a row is one the subscriber never subscribed to."""
    names = get_settings().mailing_lists
    held = {row.list_slug: row for row in rows}
    slugs = list(names) + sorted(set(held) - set(names))
    return [
        ListConsent(
            slug,
            names.get(slug, slug),
            ("subscribed" if held[slug].active else "left") if slug in held else "none",
            held[slug].changed_at if slug in held else None,
        )
        for slug in slugs
    ]

"""Test subscribers hold consent per list, as real ones do (no row means no consent)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from service.models import ListSubscription, Subscriber
from service.settings import get_settings


def hold_lists(
    session: Session, subscribers: Iterable[Subscriber], lists: Iterable[str] | None = None
) -> None:
    """Active subscriptions for each subscriber (default: every configured list); flushes."""
    people = list(subscribers)
    session.flush()  # ids
    slugs = list(get_settings().mailing_lists if lists is None else lists)
    for person in people:
        assert person.id is not None
        for slug in slugs:
            if session.get(ListSubscription, (person.id, slug)) is None:
                session.add(ListSubscription(subscriber_id=person.id, list_slug=slug))
    session.flush()

"""Each subscriber's cadence per list: every issue, or the list's weekly or monthly digest."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, select

from service.audience.ledger import record
from service.errors import InvalidInput
from service.events import emit
from service.models import Cadence, ConsentEventKind, EventKind, ListSubscription, Subscriber
from service.models._common import table_of
from service.settings import get_settings

CHOICES = tuple(c.value for c in (Cadence.ISSUE, Cadence.WEEKLY, Cadence.MONTHLY))


def cadence_condition(list_slug: str, cadence: str) -> ColumnElement[bool]:
    """WHERE over `subscriber`: they chose `cadence` on the list (no row means every issue)."""
    if cadence == Cadence.SERIES:
        return sa.true()
    membership, subscriber = table_of(ListSubscription), table_of(Subscriber)
    mine = sa.and_(
        membership.c.subscriber_id == subscriber.c.id, membership.c.list_slug == list_slug
    )
    if cadence == Cadence.ISSUE:
        return sa.not_(sa.exists().where(mine, membership.c.cadence != Cadence.ISSUE.value))
    return sa.exists().where(mine, membership.c.cadence == cadence)


def cadences(session: Session, *, subscriber: Subscriber) -> dict[str, str]:
    """Every known list -> the subscriber's cadence on it."""
    result = dict.fromkeys(get_settings().mailing_lists, Cadence.ISSUE.value)
    rows = session.exec(
        select(ListSubscription).where(ListSubscription.subscriber_id == subscriber.id)
    )
    result.update({row.list_slug: row.cadence for row in rows})
    return result


def set_cadences(
    session: Session,
    *,
    subscriber: Subscriber,
    chosen: dict[str, str],
    ip: str | None,
    now: datetime,
) -> dict[str, list[str]]:
    """Apply cadence choices; the ledger records what changed (consent, STANDARDS D2)."""
    assert subscriber.id is not None
    known = cadences(session, subscriber=subscriber)
    changes: dict[str, list[str]] = {}
    for slug, cadence in sorted(chosen.items()):
        if slug not in known:
            raise InvalidInput(f"cadence: unknown list {slug!r}")
        if cadence not in CHOICES:
            raise InvalidInput(f"cadence: expected one of {', '.join(CHOICES)}, got {cadence!r}")
        if known[slug] == cadence:
            continue
        row = session.get(ListSubscription, (subscriber.id, slug))
        if row is None:
            row = ListSubscription(subscriber_id=subscriber.id, list_slug=slug, active=True)
        row.cadence, row.changed_at = cadence, now
        session.add(row)
        changes[slug] = [known[slug], cadence]
    if changes:
        session.flush()
        record(
            session,
            subscriber_id=subscriber.id,
            event=ConsentEventKind.PREFERENCE_CHANGE,
            source="preference centre",
            ip=ip,
            detail={"cadence": changes},
            occurred_at=now,
        )
        emit(
            session,
            kind=EventKind.PREFERENCES_CHANGED,
            subscriber_id=subscriber.id,
            detail={"cadence": changes},
            at=now,
        )
    return changes

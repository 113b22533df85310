"""The trigger table: which automations react to which event. Add a row, not machinery."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.automation import welcome
from service.models import AutomationEvent, EventKind

Handler = Callable[..., None]  # (session, *, event, now) -> None

TRIGGERS: dict[EventKind, tuple[Handler, ...]] = {
    EventKind.CONFIRMED: (welcome.enrol,),
    EventKind.PREFERENCES_CHANGED: (welcome.on_preferences,),
    # Recorded so an automation can subscribe to it; none does yet (e.g. a follow-up survey).
    EventKind.INQUIRY_ANSWERED: (),
}


def handle_pending(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Run the handlers of the oldest unhandled events; each event is handled once."""
    query = (
        select(AutomationEvent)
        .where(col(AutomationEvent.handled_at).is_(None))
        .order_by(col(AutomationEvent.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two ticks never share an event
    events = list(session.exec(query))
    for event in events:
        for handler in TRIGGERS.get(EventKind(event.kind), ()):
            handler(session, event=event, now=now)
        event.handled_at = now
        session.add(event)
    session.flush()
    return len(events)


def pending_count(session: Session) -> int:
    """Events not handled yet (the newsroom shows it)."""
    stmt = sa.select(sa.func.count()).where(col(AutomationEvent.handled_at).is_(None))
    return int(session.execute(stmt).scalar() or 0)

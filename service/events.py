"""Automation triggers: services record what happened; service.automation.triggers reacts.

An event is a row written in the same transaction as the change it reports, so a trigger can
neither fire for a change that rolled back nor be lost when a worker dies after the commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.models import AutomationEvent, EventKind
from service.models._common import utcnow


def emit(
    session: Session,
    *,
    kind: EventKind,
    subscriber_id: int | None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Record one trigger event (the caller's transaction commits it)."""
    session.add(
        AutomationEvent(
            kind=kind, subscriber_id=subscriber_id, detail=detail or {}, occurred_at=at or utcnow()
        )
    )

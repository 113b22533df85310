"""The audit log: record who did what to which object; list an object's trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from service.models import AuditEvent, User


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | str,
    **detail: Any,
) -> AuditEvent:
    """Add one event in the caller's transaction (it lands only if the action does)."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )
    session.add(event)
    session.flush()
    return event


def trail(
    session: Session, *, object_type: str, object_id: int | str, limit: int = 200
) -> Sequence[tuple[AuditEvent, str | None]]:
    """An object's events, newest first, with the actor's display name (None = system)."""
    rows = session.exec(
        select(AuditEvent, User.display_name)
        .outerjoin(User, col(User.id) == col(AuditEvent.actor_id))
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
    ).all()
    return [(event, name) for event, name in rows]

"""The audit log: who did what to which object, and when (one row per action)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from service.models.audit import AuditEvent


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: int | str,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry (flushed with the change it records, in the same transaction)."""
    event = AuditEvent(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
    )
    session.add(event)
    session.flush()
    return event


def trail(session: Session, *, object_type: str, object_id: int | str) -> list[AuditEvent]:
    """An object's entries, oldest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
        .order_by(col(AuditEvent.id))
    )
    return list(session.exec(stmt))

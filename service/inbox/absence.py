"""Absences: a window in which a substitute receives a coordinator's inquiries and mail."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from service.errors import InvalidInput, NotFound
from service.models import Coordinator, CoordinatorAbsence
from service.models._common import as_utc


def set_absence(
    session: Session,
    *,
    coordinator_id: int,
    substitute_id: int,
    starts_at: datetime,
    ends_at: datetime,
    note: str = "",
) -> CoordinatorAbsence:
    """Record an absence window; adds and flushes."""
    if session.get(Coordinator, coordinator_id) is None:
        raise NotFound(f"coordinator {coordinator_id} does not exist")
    if session.get(Coordinator, substitute_id) is None:
        raise InvalidInput(f"substitute {substitute_id} does not exist")
    if substitute_id == coordinator_id:
        raise InvalidInput("the substitute must be someone else")
    if ends_at <= starts_at:
        raise InvalidInput("an absence must end after it starts")
    row = CoordinatorAbsence(
        coordinator_id=coordinator_id,
        substitute_id=substitute_id,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note[:500],
    )
    session.add(row)
    session.flush()
    return row


def end_absence(session: Session, *, absence_id: int, coordinator_id: int, now: datetime) -> None:
    """End an absence now (the coordinator is back early); adds and flushes."""
    row = session.get(CoordinatorAbsence, absence_id)
    if row is None or row.coordinator_id != coordinator_id:
        raise NotFound(f"absence {absence_id} does not exist")
    row.ends_at = min(as_utc(row.ends_at) or now, now)
    session.add(row)
    session.flush()


def active_absence(
    session: Session, *, coordinator_id: int, now: datetime
) -> CoordinatorAbsence | None:
    """The absence covering `now`, if any (starts inclusive, ends exclusive)."""
    return session.exec(
        select(CoordinatorAbsence)
        .where(
            CoordinatorAbsence.coordinator_id == coordinator_id,
            col(CoordinatorAbsence.starts_at) <= now,
            col(CoordinatorAbsence.ends_at) > now,
        )
        .order_by(col(CoordinatorAbsence.id).desc())
    ).first()


def answering_for(session: Session, *, coordinator_id: int, now: datetime) -> int:
    """Who answers for this coordinator now: a substitute's substitute is followed, no loops."""
    seen = {coordinator_id}
    current = coordinator_id
    while (absence := active_absence(session, coordinator_id=current, now=now)) is not None:
        if absence.substitute_id in seen:
            break
        current = absence.substitute_id
        seen.add(current)
    return current


def absences_of(session: Session, *, coordinator_id: int) -> list[CoordinatorAbsence]:
    """Every absence of a coordinator, latest first."""
    return list(
        session.exec(
            select(CoordinatorAbsence)
            .where(CoordinatorAbsence.coordinator_id == coordinator_id)
            .order_by(col(CoordinatorAbsence.starts_at).desc())
        )
    )

"""A coordinator's inbox settings: office calendar, response target, deputy."""

from __future__ import annotations

from sqlmodel import Session

from service.errors import InvalidInput, NotFound
from service.inbox.clock import calendar_names
from service.models import Coordinator


def set_inbox_settings(
    session: Session,
    *,
    coordinator_id: int,
    calendar: str,
    target_hours: str,
    deputy_id: int | None,
) -> Coordinator:
    """Validate and store; adds and flushes. An empty target means the default."""
    row = session.get(Coordinator, coordinator_id)
    if row is None:
        raise NotFound(f"coordinator {coordinator_id} does not exist")
    if calendar not in calendar_names():
        raise InvalidInput("choose one of the configured office calendars")
    hours = None
    if target_hours.strip():
        try:
            hours = float(target_hours.replace(",", "."))
        except ValueError:
            hours = -1.0
        if not 0 < hours <= 24 * 20:
            raise InvalidInput("the response target must be a number of business hours above 0")
    if deputy_id is not None and (
        deputy_id == coordinator_id or session.get(Coordinator, deputy_id) is None
    ):
        raise InvalidInput("the deputy must be another coordinator")
    row.calendar, row.response_target_hours, row.deputy_id = calendar, hours, deputy_id
    session.add(row)
    session.flush()
    return row

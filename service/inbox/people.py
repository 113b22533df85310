"""Inbox settings: coordinators' calendar, response target and deputy; announcements' targets."""

from __future__ import annotations

from sqlmodel import Session

from service.errors import InvalidInput, NotFound
from service.inbox.clock import calendar_names
from service.models import Announcement, Coordinator


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
    hours = target_hours_of(target_hours)
    if deputy_id is not None and (
        deputy_id == coordinator_id or session.get(Coordinator, deputy_id) is None
    ):
        raise InvalidInput("the deputy must be another coordinator")
    row.calendar, row.response_target_hours, row.deputy_id = calendar, hours, deputy_id
    session.add(row)
    session.flush()
    return row


def target_hours_of(text: str) -> float | None:
    """A response target typed in a form: business hours above 0, or empty for the default."""
    if not text.strip():
        return None
    try:
        hours = float(text.replace(",", "."))
    except ValueError:
        hours = -1.0
    if not 0 < hours <= 24 * 20:
        raise InvalidInput("the response target must be a number of business hours above 0")
    return hours


def set_announcement_target(
    session: Session, *, announcement_id: int, target_hours: str
) -> Announcement:
    """An announcement's own response target (overrides its coordinator's); adds and flushes."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise NotFound(f"announcement {announcement_id} does not exist")
    row.response_target_hours = target_hours_of(target_hours)
    session.add(row)
    session.flush()
    return row

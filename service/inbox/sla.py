"""The response clock of one inquiry: target, due time, time left, in business seconds.

The clock runs while the inquiry waits for our answer (the states in CLOCK_RUNS) and counts
only the working hours of the assignee's office calendar; waiting for the subscriber stops it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from service.domain.inquiry_states import CLOCK_RUNS, InquiryState
from service.inbox.clock import (
    OfficeCalendar,
    add_business_seconds,
    business_seconds,
    calendar_for,
)
from service.models import Announcement, Coordinator, Inquiry
from service.models._common import as_utc
from service.settings import get_settings


def target_seconds(coordinator: Coordinator | None, announcement: Announcement | None) -> int:
    """The announcement's target, else the coordinator's, else the default (business hours)."""
    hours = (
        (announcement.response_target_hours if announcement else None)
        or (coordinator.response_target_hours if coordinator else None)
        or get_settings().inquiry_target_hours
    )
    return int(hours * 3600)


def calendar_of(session: Session, inquiry: Inquiry) -> OfficeCalendar:
    """The assignee's office calendar; triage counts in the first configured one."""
    who = session.get(Coordinator, inquiry.coordinator_id) if inquiry.coordinator_id else None
    return calendar_for(who.calendar if who else None)


def used_seconds(inquiry: Inquiry, calendar: OfficeCalendar, now: datetime) -> float:
    """Business seconds spent so far against the target."""
    started = as_utc(inquiry.clock_started_at)
    running = business_seconds(calendar, started, now) if started else 0.0
    return inquiry.clock_used_s + running


def start_clock(inquiry: Inquiry, calendar: OfficeCalendar, now: datetime) -> None:
    """Run the clock from now (no-op when it already runs); sets due_at."""
    if inquiry.clock_started_at is None:
        inquiry.clock_started_at = now
    left = max(inquiry.target_s - used_seconds(inquiry, calendar, now), 0.0)
    inquiry.due_at = add_business_seconds(calendar, now, left)


def stop_clock(inquiry: Inquiry, calendar: OfficeCalendar, now: datetime) -> None:
    """Bank the running time and stop; no due time while stopped."""
    inquiry.clock_used_s = used_seconds(inquiry, calendar, now)
    inquiry.clock_started_at = None
    inquiry.due_at = None


def follow_state(inquiry: Inquiry, calendar: OfficeCalendar, now: datetime) -> None:
    """Start or stop the clock to match the inquiry's (new) state."""
    if InquiryState(inquiry.state) in CLOCK_RUNS:
        start_clock(inquiry, calendar, now)
    else:
        stop_clock(inquiry, calendar, now)


def recalendar(inquiry: Inquiry, old: OfficeCalendar, new: OfficeCalendar, now: datetime) -> None:
    """A new assignee in another office: bank the time in the old calendar, go on in the new."""
    if inquiry.clock_started_at is None:
        return
    stop_clock(inquiry, old, now)
    start_clock(inquiry, new, now)


def time_left(inquiry: Inquiry, calendar: OfficeCalendar, now: datetime) -> float | None:
    """Business seconds until due (negative once overdue); None while the clock is stopped."""
    due = as_utc(inquiry.due_at)
    if due is None:
        return None
    if now <= due:
        return business_seconds(calendar, now, due)
    return -business_seconds(calendar, due, now)

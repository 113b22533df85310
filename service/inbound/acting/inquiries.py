"""Inquiries as coordinators and the comms team see them: listed per coordinator, closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.errors import InvalidInput
from service.models import Announcement, Coordinator, Inquiry
from service.models.inquiry import InquiryState


@dataclass(frozen=True)
class InquiryLine:
    """One inquiry with the context needed to triage it (no subscriber address)."""

    id: int
    state: str
    coordinator: str
    announcement: str
    campaign_id: int | None
    language: str
    subject: str
    text: str
    created_at: datetime
    answered_at: datetime | None


def list_inquiries(
    session: Session,
    *,
    coordinator_id: int | None = None,
    state: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[InquiryLine]:
    """Newest first, optionally for one coordinator and one state, older than `before_id`."""
    if state is not None and state not in set(InquiryState):
        raise InvalidInput(f"unknown inquiry state {state!r}; use {', '.join(InquiryState)}")
    query = (
        select(Inquiry, Coordinator.name, Announcement.title_en, Announcement.title_de)
        .outerjoin(Coordinator, col(Coordinator.id) == col(Inquiry.coordinator_id))
        .outerjoin(Announcement, col(Announcement.id) == col(Inquiry.announcement_id))
        .order_by(col(Inquiry.id).desc())
        .limit(min(limit, 1000))
    )
    if coordinator_id is not None:
        query = query.where(col(Inquiry.coordinator_id) == coordinator_id)
    if state is not None:
        query = query.where(col(Inquiry.state) == state)
    if before_id is not None:
        query = query.where(col(Inquiry.id) < before_id)
    return [_line(*row) for row in session.exec(query)]


def _line(
    row: Inquiry, coordinator: str | None, title_en: str | None, title_de: str | None
) -> InquiryLine:
    assert row.id is not None
    title = (title_de if row.language == "de" and title_de else title_en) or "(whole edition)"
    return InquiryLine(
        row.id, row.state, coordinator or "triage", title, row.campaign_id, row.language,
        row.subject, row.text, row.created_at, row.answered_at,
    )  # fmt: skip


def close_inquiry(session: Session, *, inquiry_id: int) -> Inquiry:
    """Close an inquiry through the state table (e.g. answered by phone); the clock stops."""
    from service.inbox.answers import Author
    from service.inbox.clock import SystemClock
    from service.inbox.lifecycle import close

    return close(session, inquiry_id=inquiry_id, by=Author("command line"), now=SystemClock().now())


OPEN_STATES = (InquiryState.NEW, InquiryState.FORWARDED)


def per_coordinator(
    session: Session, *, campaign_id: int | None = None, states: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Inquiries per coordinator name ("triage" when none was found), optionally filtered."""
    query = (
        sa.select(col(Coordinator.name), sa.func.count(col(Inquiry.id)))
        .select_from(Inquiry)
        .outerjoin(Coordinator, col(Coordinator.id) == col(Inquiry.coordinator_id))
        .group_by(col(Coordinator.name))
    )
    if campaign_id is not None:
        query = query.where(col(Inquiry.campaign_id) == campaign_id)
    if states is not None:
        query = query.where(col(Inquiry.state).in_(states))
    return {name or "triage": count for name, count in session.execute(query)}

"""Saving announcements with their audience segments and validity window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from service.campaigns.authoring import resolve_segments
from service.errors import InvalidInput, NotFound
from service.models import Announcement, AnnouncementSegment, ApprovalState, Coordinator
from service.models._common import as_utc


def save_announcement(
    session: Session,
    *,
    fields: dict[str, Any],
    segments: list[str] | None,
    announcement_id: int | None = None,
) -> Announcement:
    """Create or update an announcement; checks coordinator, window and segments."""
    row = (
        Announcement(**fields)
        if announcement_id is None
        else session.get(Announcement, announcement_id)
    )
    if row is None:
        raise NotFound(f"announcement {announcement_id} does not exist")
    for key, value in fields.items():
        setattr(row, key, as_utc(value) if isinstance(value, datetime) else value)
    if not (row.title_en or row.title_de):
        raise InvalidInput("an announcement needs a title in at least one language")
    if row.coordinator_id is not None and session.get(Coordinator, row.coordinator_id) is None:
        raise InvalidInput(f"unknown coordinator {row.coordinator_id}")
    if row.valid_from and row.valid_until and as_utc(row.valid_until) < as_utc(row.valid_from):  # type: ignore[operator]
        raise InvalidInput("valid_until is before valid_from")
    session.add(row)
    session.flush()
    if segments is not None:
        targets = resolve_segments(session, slugs=segments)
        session.exec(
            delete(AnnouncementSegment).where(col(AnnouncementSegment.announcement_id) == row.id)
        )
        assert row.id is not None
        for segment in targets:
            assert segment.id is not None
            session.add(AnnouncementSegment(announcement_id=row.id, segment_id=segment.id))
        session.flush()
    return row


def segment_slugs(session: Session, *, announcement_id: int) -> list[str]:
    """The slugs of an announcement's audience segments."""
    from service.models import Segment

    rows = session.exec(
        select(Segment.slug)
        .join(AnnouncementSegment, col(AnnouncementSegment.segment_id) == col(Segment.id))
        .where(col(AnnouncementSegment.announcement_id) == announcement_id)
    )
    return list(rows)


def set_approval(session: Session, *, announcement_id: int, state: ApprovalState) -> Announcement:
    """Approve an announcement (it may then reach editions) or send it back to draft."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise NotFound(f"announcement {announcement_id} does not exist")
    if state is ApprovalState.APPROVED and not (row.title_en or row.title_de):
        raise InvalidInput(f"announcement {announcement_id} has no title and cannot be approved")
    row.approval = state
    session.add(row)
    session.flush()
    return row

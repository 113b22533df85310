"""The newsroom's announcement list: filters by state, coordinator, segment, language gap."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.models import Announcement, AnnouncementSegment, Coordinator, Segment

GAPS = ("de", "en")


@dataclass(frozen=True)
class AnnouncementLine:
    """One row of the list."""

    row: Announcement
    coordinator: str | None
    segments: tuple[str, ...]
    missing: tuple[str, ...]  # languages without a title


def _missing(language: str) -> sa.ColumnElement[bool]:
    column = col(getattr(Announcement, f"title_{language}"))
    return sa.or_(column.is_(None), column == "")


def list_announcements(
    session: Session,
    *,
    state: str = "",
    coordinator_id: int | None = None,
    segment: str = "",
    gap: str = "",
    limit: int = 500,
) -> list[AnnouncementLine]:
    """Announcements matching the filters, by priority then id."""
    stmt = select(Announcement)
    if state:
        stmt = stmt.where(Announcement.approval == state)
    if coordinator_id is not None:
        stmt = stmt.where(Announcement.coordinator_id == coordinator_id)
    if segment:
        stmt = stmt.where(
            col(Announcement.id).in_(
                select(AnnouncementSegment.announcement_id)
                .join(Segment, col(Segment.id) == col(AnnouncementSegment.segment_id))
                .where(Segment.slug == segment)
            )
        )
    if gap in GAPS:
        stmt = stmt.where(_missing(gap))
    rows = list(
        session.exec(stmt.order_by(col(Announcement.priority), col(Announcement.id)).limit(limit))
    )
    names = {c.id: c.name for c in session.exec(select(Coordinator))}
    links = session.exec(
        select(AnnouncementSegment.announcement_id, Segment.slug)
        .join(Segment, col(Segment.id) == col(AnnouncementSegment.segment_id))
        .where(col(AnnouncementSegment.announcement_id).in_([r.id for r in rows]))
    ).all()
    by_row: dict[int, list[str]] = {}
    for announcement_id, slug in links:
        by_row.setdefault(announcement_id, []).append(slug)
    return [
        AnnouncementLine(
            r,
            names.get(r.coordinator_id),
            tuple(sorted(by_row.get(r.id or 0, []))),
            tuple(lang for lang in GAPS if not getattr(r, f"title_{lang}")),
        )
        for r in rows
    ]

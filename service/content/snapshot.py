"""The reviewable content of an announcement as plain strings (what an approver signs off)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from service.models import Announcement, AnnouncementSegment, Segment
from service.models._common import as_utc

REVIEWED_FIELDS = (
    "title_de",
    "title_en",
    "short_title_de",
    "short_title_en",
    "summary_de",
    "summary_en",
    "body_de",
    "body_en",
    "cta_url",
    "cta_label_de",
    "cta_label_en",
    "image_url",
    "image_alt_de",
    "image_alt_en",
    "topic",
    "priority",
    "coordinator_id",
)


def segment_slugs(session: Session, *, announcement_id: int) -> list[str]:
    """The slugs of an announcement's audience segments, sorted."""
    rows = session.exec(
        select(Segment.slug)
        .join(AnnouncementSegment, col(AnnouncementSegment.segment_id) == col(Segment.id))
        .where(col(AnnouncementSegment.announcement_id) == announcement_id)
    )
    return sorted(rows)


def content_snapshot(session: Session, *, row: Announcement) -> dict[str, str]:
    """Every reviewed field as text (empty for unset), plus window and segments."""
    assert row.id is not None
    snap = {f: "" if getattr(row, f) is None else str(getattr(row, f)) for f in REVIEWED_FIELDS}
    for field in ("valid_from", "valid_until"):
        value = as_utc(getattr(row, field))
        snap[field] = value.isoformat() if value else ""
    snap["segments"] = ", ".join(segment_slugs(session, announcement_id=row.id))
    return snap

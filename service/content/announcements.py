"""Saving announcements with their audience segments and validity window.

Every save by a person is an EDIT in the approval table (an approved announcement returns to
draft), carries the version the form was based on, and is written to the audit log.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from service.accounts.errors import N_, FormProblem
from service.audit import record
from service.campaigns.authoring import resolve_segments
from service.content.snapshot import content_snapshot, segment_slugs
from service.domain.approval_states import ApprovalAction, ApprovalState, next_approval
from service.errors import NotFound
from service.models import Announcement, AnnouncementSegment, Coordinator
from service.models._common import as_utc
from service.versioning import bump, ensure_current

__all__ = ["save_announcement", "segment_slugs"]
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
# The workflow owns these: a client cannot set them through a save.
WORKFLOW_FIELDS = frozenset(
    {"approval", "version", "created_by_id", "updated_by_id", "approved_by_id", "approved_at"}
    | {"approved_snapshot", "submitted_by_id", "reject_reason", "updated_at", "created_at", "id"}
)


def _check(session: Session, row: Announcement) -> None:
    """Field errors (English msgids the newsroom translates; the API shows them as they are)."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    if not SLUG.fullmatch(row.slug or ""):
        errors["slug"] = (N_("Use lower-case letters, digits and hyphens (e.g. lung-call)."), {})
    else:
        taken = session.exec(
            select(Announcement.id).where(Announcement.slug == row.slug, Announcement.id != row.id)
        ).first()
        if taken is not None:
            errors["slug"] = (N_("Another announcement already has this short name."), {})
    if not (row.title_en or row.title_de):
        errors["title_en"] = (N_("Give a title in at least one language."), {})
    if row.coordinator_id is not None and session.get(Coordinator, row.coordinator_id) is None:
        errors["coordinator_id"] = (N_("Choose an existing coordinator."), {})
    if row.valid_from and row.valid_until and as_utc(row.valid_until) < as_utc(row.valid_from):  # type: ignore[operator]
        errors["valid_until"] = (N_("The end of the validity window is before its start."), {})
    if errors:
        raise FormProblem(errors)


def _load(session: Session, announcement_id: int | None) -> Announcement:
    if announcement_id is None:
        return Announcement(slug="", approval=ApprovalState.DRAFT)
    row = session.get(Announcement, announcement_id, with_for_update=True)
    if row is None:
        raise NotFound(f"announcement {announcement_id} does not exist")
    return row


def save_announcement(
    session: Session,
    *,
    fields: dict[str, Any],
    segments: list[str] | None,
    announcement_id: int | None = None,
    actor_id: int | None = None,
    version: int | None = None,
) -> Announcement:
    """Create or update an announcement; checks version, coordinator, window and segments."""
    row = _load(session, announcement_id)
    before = content_snapshot(session, row=row) if row.id is not None else None
    ensure_current(session, row=row, expected=version, kind="announcement")
    for key, value in fields.items():
        if key not in WORKFLOW_FIELDS:
            setattr(row, key, as_utc(value) if isinstance(value, datetime) else value)
    _check(session, row)
    if row.id is None:
        row.created_by_id = actor_id
    session.add(row)
    session.flush()
    if segments is not None:
        _set_segments(session, row=row, slugs=segments)
    after = content_snapshot(session, row=row)
    if after != before:
        row.approval = next_approval(row.approval, ApprovalAction.EDIT)
        bump(row, actor_id=actor_id)
        if before is None:
            row.version = 1  # a new announcement starts at version 1
        changed = sorted(k for k in after if before is None or before.get(k) != after[k])
        assert row.id is not None
        record(
            session,
            actor_id=actor_id,
            action="announcement.create" if before is None else "announcement.edit",
            object_type="announcement",
            object_id=row.id,
            changed=changed,
            state=row.approval,
            version=row.version,
        )
        session.flush()
    return row


def _set_segments(session: Session, *, row: Announcement, slugs: list[str]) -> None:
    targets = resolve_segments(session, slugs=slugs)
    session.exec(
        delete(AnnouncementSegment).where(col(AnnouncementSegment.announcement_id) == row.id)
    )
    assert row.id is not None
    for segment in targets:
        assert segment.id is not None
        session.add(AnnouncementSegment(announcement_id=row.id, segment_id=segment.id))
    session.flush()

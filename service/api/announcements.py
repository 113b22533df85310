"""Admin API for announcements, which carry an audience of segments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from sqlmodel import Field, select

from service.api.deps import SessionDep, require_admin
from service.content.announcements import save_announcement, segment_slugs, set_approval
from service.errors import InvalidInput
from service.models import Announcement, AnnouncementBase, ApprovalState


class AnnouncementIn(AnnouncementBase):
    """An announcement with its audience by segment slug; new ones start as drafts."""

    approval: ApprovalState = ApprovalState.DRAFT
    segments: list[str] = Field(default_factory=list)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


router = APIRouter(
    prefix="/announcements", tags=["announcements"], dependencies=[Depends(require_admin)]
)


def _out(session: SessionDep, row: Announcement) -> dict[str, Any]:
    assert row.id is not None
    return {**row.model_dump(), "segments": segment_slugs(session, announcement_id=row.id)}


def _no_approval_here(fields: dict[str, Any]) -> None:
    """Approval moves only through its own actions, so no write can skip review."""
    if "approval" in fields:
        raise InvalidInput("approval is changed only by POST /approve and /withdraw")


@router.get("")
def list_announcements(session: SessionDep) -> list[dict[str, Any]]:
    """All announcements by priority."""
    rows = session.exec(select(Announcement).order_by(Announcement.priority, Announcement.id))  # type: ignore[arg-type]
    return [_out(session, r) for r in rows]


@router.post("", status_code=201)
def create_announcement(body: AnnouncementIn, session: SessionDep) -> dict[str, Any]:
    """Create an announcement; it starts as a draft (approval only through /approve)."""
    _no_approval_here(body.model_dump(exclude_unset=True))
    row = save_announcement(
        session, fields=body.model_dump(exclude={"segments"}), segments=body.segments
    )
    return _out(session, row)


@router.get("/{announcement_id}")
def read_announcement(announcement_id: int, session: SessionDep) -> dict[str, Any]:
    """One announcement."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise HTTPException(404, f"announcement {announcement_id} not found")
    return _out(session, row)


@router.patch("/{announcement_id}")
def update_announcement(
    announcement_id: int, body: dict[str, Any], session: SessionDep
) -> dict[str, Any]:
    """Change fields of an announcement (validated like a create; approval is not a field)."""
    _no_approval_here(body)
    checked = AnnouncementIn.model_validate({**read_announcement(announcement_id, session), **body})
    fields = checked.model_dump(exclude={"segments"}, include=set(body) - {"segments"})
    row = save_announcement(
        session, fields=fields, segments=body.get("segments"), announcement_id=announcement_id
    )
    return _out(session, row)


@router.delete("/{announcement_id}", status_code=204)
def delete_announcement(announcement_id: int, session: SessionDep) -> None:
    """Delete an announcement."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise HTTPException(404, f"announcement {announcement_id} not found")
    session.delete(row)


@router.post("/{announcement_id}/approve")
def approve_announcement(announcement_id: int, session: SessionDep) -> dict[str, Any]:
    """Approve an announcement so campaigns may carry it."""
    row = set_approval(session, announcement_id=announcement_id, state=ApprovalState.APPROVED)
    return _out(session, row)


@router.post("/{announcement_id}/withdraw")
def withdraw_announcement(announcement_id: int, session: SessionDep) -> dict[str, Any]:
    """Send an announcement back to draft; editions not yet rendered leave it out."""
    row = set_approval(session, announcement_id=announcement_id, state=ApprovalState.DRAFT)
    return _out(session, row)

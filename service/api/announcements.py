"""Admin API for announcements, which carry an audience of segments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel
from sqlmodel import Field, select

from service.api.deps import SessionDep, require_admin
from service.api.pages import LimitQuery, PairQuery, keyset_pair, page
from service.content import approval
from service.content.announcements import save_announcement, segment_slugs
from service.errors import InvalidInput
from service.models import Announcement, AnnouncementBase


def api_actor(request: Request) -> int | None:
    """The user behind a personal API token; None for the operator's shared admin token."""
    return getattr(request.state, "api_user_id", None)


Actor = Annotated[int | None, Depends(api_actor)]


class AnnouncementIn(AnnouncementBase):
    """An announcement with its audience by segment slug; new ones start as drafts."""

    approval: str = "draft"  # refused when given: approval moves only through its actions
    segments: list[str] = Field(default_factory=list)
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class StepIn(BaseModel):
    """An approval step; `version` (optional) refuses it when the announcement changed since."""

    version: int | None = None
    reason: str = ""


router = APIRouter(
    prefix="/announcements", tags=["announcements"], dependencies=[Depends(require_admin)]
)


def _no_approval_here(fields: dict[str, Any]) -> None:
    """Approval moves only through its own actions, so no write can skip review."""
    if "approval" in fields:
        raise InvalidInput(
            "approval is changed only by POST /submit, /approve, /reject and /withdraw"
        )


def _out(session: SessionDep, row: Announcement) -> dict[str, Any]:
    assert row.id is not None
    return {**row.model_dump(), "segments": segment_slugs(session, announcement_id=row.id)}


@router.get("")
def list_announcements(
    session: SessionDep, request: Request, response: Response,
    after: PairQuery = None, limit: LimitQuery = 100,
) -> list[dict[str, Any]]:  # fmt: skip
    """By priority, then id; the next page's cursor `<priority>:<id>` is in X-Next-Cursor, Link."""
    table = Announcement.__table__.c  # type: ignore[attr-defined]
    query = keyset_pair(select(Announcement), table.priority, table.id, after=after, limit=limit)
    rows = page(list(session.exec(query).all()), limit=limit, request=request, response=response,
                cursor_of=lambda row: f"{row.priority}:{row.id}")  # fmt: skip
    return [_out(session, r) for r in rows]


@router.post("", status_code=201)
def create_announcement(body: AnnouncementIn, session: SessionDep, actor: Actor) -> dict[str, Any]:
    """Create an announcement; it starts as a draft (approval only through its actions)."""
    _no_approval_here(body.model_dump(exclude_unset=True))
    row = save_announcement(
        session,
        fields=body.model_dump(exclude={"segments"}),
        segments=body.segments,
        actor_id=actor,
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
    announcement_id: int, body: dict[str, Any], session: SessionDep, actor: Actor
) -> dict[str, Any]:
    """Change fields of an announcement (validated like a create); `version` guards staleness."""
    _no_approval_here(body)
    version = body.pop("version", None)
    current = read_announcement(announcement_id, session)
    checked = AnnouncementIn.model_validate({**current, "approval": "draft", **body})
    fields = checked.model_dump(exclude={"segments"}, include=set(body) - {"segments"})
    row = save_announcement(
        session,
        fields=fields,
        segments=body.get("segments"),
        announcement_id=announcement_id,
        actor_id=actor,
        version=version,
    )
    return _out(session, row)


@router.delete("/{announcement_id}", status_code=204)
def delete_announcement(announcement_id: int, session: SessionDep) -> None:
    """Delete an announcement."""
    row = session.get(Announcement, announcement_id)
    if row is None:
        raise HTTPException(404, f"announcement {announcement_id} not found")
    session.delete(row)


def _step_route(action: str, summary: str) -> None:
    """Register POST /{id}/<action>: one approval step, the body's version optional."""
    step = getattr(approval, action)

    def route(
        announcement_id: int, session: SessionDep, actor: Actor, body: StepIn | None = None
    ) -> dict[str, Any]:
        version = body.version if body else None
        row = step(session, announcement_id=announcement_id, actor_id=actor, version=version)
        return _out(session, row)

    route.__doc__ = summary
    router.post(f"/{{announcement_id}}/{action}", name=f"{action}_announcement")(route)


_step_route("submit", "Submit a draft for approval.")
_step_route(
    "approve", "Approve a submitted announcement so campaigns may carry it (four-eyes applies)."
)


@router.post("/{announcement_id}/reject")
def reject_announcement(
    announcement_id: int, body: StepIn, session: SessionDep, actor: Actor
) -> dict[str, Any]:
    """Send a submitted announcement back to draft with a reason."""
    row = approval.reject(
        session,
        announcement_id=announcement_id,
        actor_id=actor,
        reason=body.reason,
        version=body.version,
    )
    return _out(session, row)


_step_route(
    "withdraw", "Send an announcement back to draft; editions not yet rendered leave it out."
)

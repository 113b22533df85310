"""Approval steps of an announcement from the newsroom: submit, approve, reject, withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from service.content import approval
from service.content.snapshot import segment_slugs
from service.errors import NewsdeskError, NotAllowed, StaleWrite
from service.models import User
from service.web.content_forms import PostedForm, form_state
from service.web.deps import CurrentLogin, DbSession, require
from service.web.pages.announcements import _editor, _load, _values
from service.web.templating import PREFIX, request_language

router = APIRouter()
Submitter = Annotated[User, Depends(require("announcement.submit"))]
Approver = Annotated[User, Depends(require("announcement.approve"))]
Writer = Annotated[User, Depends(require("announcement.write"))]


def _version(posted: PostedForm) -> int | None:
    raw = posted.get("version")
    return int(raw) if raw.isdigit() else None


def _step(
    request: Request,
    db: Any,
    login: CurrentLogin,
    posted: PostedForm,
    announcement_id: int,
    run: Callable[..., Any],
    done: str,
    **extra: Any,
) -> Response:
    try:
        run(
            db,
            announcement_id=announcement_id,
            actor_id=login.user.id,
            version=_version(posted),
            **extra,
        )
    except NewsdeskError as exc:
        db.rollback()
        row = _load(db, announcement_id)
        state = form_state(request_language(request, login), exc, _values(row, db))
        state.values["reason"] = posted.get("reason")
        status = 403 if isinstance(exc, NotAllowed) else 409 if isinstance(exc, StaleWrite) else 422
        chosen = segment_slugs(db, announcement_id=announcement_id)
        return _editor(request, db, login, row=row, form=state, chosen=chosen, status=status)
    return RedirectResponse(
        f"{PREFIX}/announcements/{announcement_id}?done={done}", status_code=303
    )


@router.post("/announcements/{announcement_id:int}/submit")
def submit(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Submitter,
    posted: PostedForm,
    announcement_id: int,
) -> Response:
    """Submit for approval."""
    return _step(request, db, login, posted, announcement_id, approval.submit, "submitted")


@router.post("/announcements/{announcement_id:int}/approve")
def approve(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Approver,
    posted: PostedForm,
    announcement_id: int,
) -> Response:
    """Approve (the server applies four-eyes whatever the page showed)."""
    return _step(request, db, login, posted, announcement_id, approval.approve, "approved")


@router.post("/announcements/{announcement_id:int}/reject")
def reject(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Approver,
    posted: PostedForm,
    announcement_id: int,
) -> Response:
    """Reject with a reason."""
    return _step(
        request,
        db,
        login,
        posted,
        announcement_id,
        approval.reject,
        "rejected",
        reason=posted.get("reason"),
    )


@router.post("/announcements/{announcement_id:int}/withdraw")
def withdraw(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Writer,
    posted: PostedForm,
    announcement_id: int,
) -> Response:
    """Back to draft."""
    return _step(request, db, login, posted, announcement_id, approval.withdraw, "withdrawn")

"""Inbox settings (admins): coordinators' calendar, target, deputy; announcements' targets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from service.errors import NewsdeskError
from service.inbox.clock import calendar_names
from service.inbox.people import set_announcement_target, set_inbox_settings
from service.models import Announcement, Coordinator, User
from service.settings import get_settings
from service.web.deps import CurrentLogin, DbSession, require
from service.web.inbox_support import error_text
from service.web.templating import PREFIX, render, request_language

router = APIRouter()
Admin = Annotated[User, Depends(require("canned.manage"))]


def _page(request: Request, db: DbSession, login: CurrentLogin, error: str = "") -> Response:
    """Every coordinator with their inbox settings."""
    people = list(db.exec(select(Coordinator).order_by(Coordinator.name)))
    announcements = list(db.exec(select(Announcement).order_by(Announcement.slug)))
    return render(request, "inbox/people.html", login=login, status=422 if error else 200,
                  people=people, announcements=announcements, calendars=calendar_names(),
                  error=error,
                  default_hours=get_settings().inquiry_target_hours,
                  notice=request.query_params.get("done"))  # fmt: skip


@router.get("/inbox-settings", response_class=HTMLResponse)
def people_page(request: Request, db: DbSession, login: CurrentLogin, _a: Admin) -> Response:
    """Calendars, targets and deputies of the coordinators."""
    return _page(request, db, login)


@router.post("/inbox-settings/{coordinator_id}", response_class=HTMLResponse)
def save_person(
    request: Request, db: DbSession, login: CurrentLogin, _a: Admin, coordinator_id: int,
    calendar: Annotated[str, Form()] = "", target_hours: Annotated[str, Form()] = "",
    deputy_id: Annotated[int, Form()] = 0,
) -> Response:  # fmt: skip
    """Save one coordinator's row; a bad value is refused with the reason."""
    try:
        set_inbox_settings(db, coordinator_id=coordinator_id, calendar=calendar,
                           target_hours=target_hours, deputy_id=deputy_id or None)  # fmt: skip
    except NewsdeskError as exc:
        db.rollback()
        return _page(request, db, login, error_text(request_language(request, login), exc))
    return RedirectResponse(f"{PREFIX}/inbox-settings?done=saved", status_code=303)


@router.post("/inbox-settings/announcement/{announcement_id}", response_class=HTMLResponse)
def save_announcement_target(
    request: Request, db: DbSession, login: CurrentLogin, _a: Admin, announcement_id: int,
    target_hours: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Save one announcement's response target; a bad value is refused with the reason."""
    try:
        set_announcement_target(db, announcement_id=announcement_id, target_hours=target_hours)
    except NewsdeskError as exc:
        db.rollback()
        return _page(request, db, login, error_text(request_language(request, login), exc))
    return RedirectResponse(f"{PREFIX}/inbox-settings?done=saved", status_code=303)

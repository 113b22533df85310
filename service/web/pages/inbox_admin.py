"""Inbox settings: canned answers and triage owners (admins), absences (each coordinator)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select

from service.errors import InvalidInput, NewsdeskError
from service.inbox import absence, canned
from service.inbox.clock import SystemClock
from service.models import Coordinator, TriageOwner, User
from service.settings import get_settings
from service.web.deps import CurrentLogin, DbSession, require
from service.web.inbox_support import error_text
from service.web.templating import PREFIX, render, request_language

router = APIRouter()
Admin = Annotated[User, Depends(require("canned.manage"))]
AbsenceUser = Annotated[User, Depends(require("absence.manage_own"))]


def _canned_page(request: Request, db: Session, login: CurrentLogin, **extra: object) -> Response:
    """The canned-answers page with the triage owners below."""
    owners = {o.coordinator_id for o in db.exec(select(TriageOwner))}
    context = {"texts": canned.listed(db), "variables": canned.VARIABLES, "error": "",
               "values": {}, "notice": request.query_params.get("done"),
               "coordinators": list(db.exec(select(Coordinator).order_by(Coordinator.name))),
               "owners": owners, **extra}  # fmt: skip
    status = 422 if extra.get("error") else 200
    return render(request, "inbox/canned.html", login=login, status=status, **context)


@router.get("/canned-answers", response_class=HTMLResponse)
def canned_page(request: Request, db: DbSession, login: CurrentLogin, _a: Admin) -> Response:
    """List and edit canned answers (German and English, with variables)."""
    edit = int(request.query_params.get("edit", "0") or 0)
    row = next((t for t in canned.listed(db) if t.id == edit), None)
    values = (
        {"name": row.name, "language": row.language, "body": row.body, "id": str(row.id)}
        if row
        else {}
    )
    return _canned_page(request, db, login, values=values)


@router.post("/canned-answers", response_class=HTMLResponse)
def save_canned(
    request: Request, db: DbSession, login: CurrentLogin, _a: Admin,
    name: Annotated[str, Form()] = "", language: Annotated[str, Form()] = "de",
    body: Annotated[str, Form()] = "", canned_id: Annotated[int, Form()] = 0,
) -> Response:  # fmt: skip
    """Create or update one; an unknown variable is refused with the field kept."""
    try:
        canned.save(db, name=name, language=language, body=body, canned_id=canned_id or None)
    except NewsdeskError as exc:
        db.rollback()
        values = {"name": name, "language": language, "body": body, "id": str(canned_id or "")}
        return _canned_page(request, db, login, values=values,
                            error=error_text(request_language(request, login), exc))  # fmt: skip
    return RedirectResponse(f"{PREFIX}/canned-answers?done=saved", status_code=303)


@router.post("/canned-answers/{canned_id}/delete")
def delete_canned(db: DbSession, _a: Admin, canned_id: int) -> Response:
    """Remove one (the form asks first, in the browser)."""
    canned.delete(db, canned_id=canned_id)
    return RedirectResponse(f"{PREFIX}/canned-answers?done=deleted", status_code=303)


@router.post("/triage-owners")
def save_owners(
    db: DbSession, _a: Admin, owner: Annotated[list[int] | None, Form()] = None
) -> Response:
    """The named people who own triage (notified like coordinators)."""
    wanted = set(owner or [])
    for row in db.exec(select(TriageOwner)):
        if row.coordinator_id not in wanted:
            db.delete(row)
        wanted.discard(row.coordinator_id)
    for coordinator_id in wanted:
        if db.get(Coordinator, coordinator_id) is not None:
            db.add(TriageOwner(coordinator_id=coordinator_id))
    return RedirectResponse(f"{PREFIX}/canned-answers?done=owners#owners", status_code=303)


def _absence_page(request: Request, db: Session, login: CurrentLogin, **extra: object) -> Response:
    """The user's coordinator's absences and the form for a new one."""
    me = login.user.coordinator_id
    context = {
        "absences": absence.absences_of(db, coordinator_id=me) if me else [],
        "others": [
            c for c in db.exec(select(Coordinator).order_by(Coordinator.name)) if c.id != me
        ],
        "me": db.get(Coordinator, me) if me else None, "now": SystemClock().now(),
        "error": "", "values": {}, "notice": request.query_params.get("done"),
        "tz": get_settings().timezone, **extra,
    }  # fmt: skip
    status = 422 if extra.get("error") else 200
    return render(request, "inbox/absence.html", login=login, status=status, **context)


@router.get("/absence", response_class=HTMLResponse)
def absence_page(request: Request, db: DbSession, login: CurrentLogin, _u: AbsenceUser) -> Response:
    """Set an absence window and who answers meanwhile."""
    return _absence_page(request, db, login)


def _local(value: str, tz: str) -> datetime:
    """A datetime-local field in the newsroom's time zone, as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("enter the start and end as date and time") from exc
    return parsed.replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo("UTC"))


@router.post("/absence", response_class=HTMLResponse)
def save_absence(
    request: Request, db: DbSession, login: CurrentLogin, _u: AbsenceUser,
    starts: Annotated[str, Form()] = "", ends: Annotated[str, Form()] = "",
    substitute_id: Annotated[int, Form()] = 0, note: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Record the window; new inquiries, hand-offs and reminders go to the substitute."""
    me, tz = login.user.coordinator_id, get_settings().timezone
    try:
        if me is None:
            raise InvalidInput("your account is not linked to a coordinator")
        window = _local(starts, tz), _local(ends, tz)
        absence.set_absence(db, coordinator_id=me, substitute_id=substitute_id,
                            starts_at=window[0], ends_at=window[1], note=note)  # fmt: skip
    except NewsdeskError as exc:
        db.rollback()
        values = {"starts": starts, "ends": ends, "substitute_id": str(substitute_id), "note": note}
        return _absence_page(request, db, login, values=values,
                             error=error_text(request_language(request, login), exc))  # fmt: skip
    return RedirectResponse(f"{PREFIX}/absence?done=saved", status_code=303)


@router.post("/absence/{absence_id}/end")
def end_absence(db: DbSession, login: CurrentLogin, _u: AbsenceUser, absence_id: int) -> Response:
    """Back early: the absence ends now."""
    absence.end_absence(db, absence_id=absence_id, coordinator_id=login.user.coordinator_id or 0,
                        now=SystemClock().now())  # fmt: skip
    return RedirectResponse(f"{PREFIX}/absence?done=ended", status_code=303)

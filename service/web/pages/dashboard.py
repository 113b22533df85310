"""The dashboard: running campaigns (live), the schedule calendar, recent results, inquiries."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from service.accounts.permissions import allowed
from service.models import Campaign, Coordinator, User
from service.models._common import utcnow
from service.reports import dashboard
from service.settings import get_settings
from service.web.calendar import parse_day, span
from service.web.deps import CurrentLogin, DbSession, require
from service.web.i18n import Formats
from service.web.templating import render, request_language

router = APIRouter()
Viewer = Annotated[User, Depends(require("dashboard.view"))]


def _inquiries(db: DbSession, user: User) -> dict[str, int]:
    """Per coordinator; a coordinator sees only their own line."""
    waiting = dashboard.inquiries_waiting(db)
    if user.role != "coordinator":
        return waiting
    own = db.get(Coordinator, user.coordinator_id) if user.coordinator_id else None
    return {own.name: waiting.get(own.name, 0)} if own else {}


@router.get("/", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _user: Viewer,
    view: str = "month",
    day: str | None = None,
) -> HTMLResponse:
    """The dashboard."""
    fmt = Formats(request_language(request, login))
    today = fmt.local(utcnow()).date()
    shown = span(view, parse_day(day, today), get_settings().timezone)
    by_day: dict[date, list[Campaign]] = defaultdict(list)
    for campaign in dashboard.scheduled(db, start=shown.start, end=shown.end):
        assert campaign.send_at is not None
        by_day[fmt.local(campaign.send_at).date()].append(campaign)
    return render(
        request,
        "dashboard.html",
        login=login,
        running=dashboard.running(db),
        span=shown,
        today=today,
        by_day=by_day,
        sent=dashboard.recently_sent(db) if allowed(login.user.role, "report.view") else None,
        inquiries=_inquiries(db, login.user),
    )


@router.get("/dashboard/running", response_class=HTMLResponse)
def running_partial(
    request: Request, db: DbSession, login: CurrentLogin, _user: Viewer
) -> HTMLResponse:
    """The live progress fragment htmx polls."""
    return render(request, "_running.html", login=login, running=dashboard.running(db))

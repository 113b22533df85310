"""Automation pages: digest schedules (next run, last runs), welcome series with a timeline
preview, partner feeds with their last fetch and errors. Reading needs automation.read,
changing automation.write; every POST carries the CSRF token (checked on the router)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.accounts.errors import N_
from service.automation import admin, feeds, views
from service.errors import ExplainedInvalid, NewsdeskError
from service.models import User
from service.models._common import utcnow
from service.settings import get_settings
from service.web.content_forms import Posted, PostedForm, form_state
from service.web.deps import CurrentLogin, DbSession, require
from service.web.forms import FormState
from service.web.templating import PREFIX, register_nav, render, request_language

router = APIRouter(prefix="/automation")
register_nav("/automation/digests", N_("Automation"), "automation.read")
Reader = Annotated[User, Depends(require("automation.read"))]
Writer = Annotated[User, Depends(require("automation.write"))]
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def _int(posted: Posted, name: str, default: int = 0) -> int:
    raw = posted.get(name, str(default)).strip() or str(default)
    try:
        return int(raw)
    except ValueError as exc:
        raise ExplainedInvalid(
            f"{name}: a whole number, please (got {raw!r})",
            msgid=N_("%(field)s: a whole number, please (got %(raw)s)."),
            field=name,
            raw=raw,
        ) from exc


def _done(path: str) -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/automation/{path}?done=1", status_code=303)


def _failed(
    request: Request, db: DbSession, login: Any, page: str, exc: NewsdeskError, posted: Posted
) -> Response:
    db.rollback()
    state = form_state(request_language(request, login), exc, posted.values)
    return PAGES[page](request, db, login, form=state, status=422)


def _digests(
    request: Request, db: DbSession, login: Any, *, form: FormState | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "automation/digests.html",
        login=login,
        status=status,
        rows=views.digest_rows(db, now=utcnow()),
        weekdays=WEEKDAYS,
        lists=get_settings().mailing_lists,
        form=form or FormState(),
    )


def _welcome(
    request: Request, db: DbSession, login: Any, *, form: FormState | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "automation/welcome.html",
        login=login,
        status=status,
        rows=views.series_rows(db, start=utcnow()),
        lists=get_settings().mailing_lists,
        form=form or FormState(),
    )


def _feeds(
    request: Request, db: DbSession, login: Any, *, form: FormState | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "automation/feeds.html",
        login=login,
        status=status,
        feeds=views.feeds(db),
        form=form or FormState(),
    )


PAGES = {"digests": _digests, "welcome": _welcome, "feeds": _feeds}


@router.get("/digests", response_class=HTMLResponse)
def digest_page(request: Request, db: DbSession, login: CurrentLogin, _u: Reader) -> Response:
    """Digest schedules with their next run and last runs."""
    return _digests(request, db, login)


@router.post("/digests", response_class=HTMLResponse)
def digest_create(
    request: Request, db: DbSession, login: CurrentLogin, _u: Writer, posted: PostedForm
) -> Response:
    """Create a digest schedule."""
    fields = {
        "name": posted.get("name"),
        "cadence": posted.get("cadence", "weekly"),
        "list_slug": posted.get("list_slug", "newsletter"),
        "timezone": posted.get("timezone"),
        "subject_en": posted.get("subject_en"),
        "subject_de": posted.get("subject_de"),
        "segment_slugs": [s.strip() for s in posted.get("segments").split(",") if s.strip()],
        "needs_approval": posted.get("needs_approval") == "on",
    }
    try:
        fields |= {
            "weekday": _int(posted, "weekday"),
            "hour": _int(posted, "hour", 8),
            "day_of_month": _int(posted, "day_of_month", 1),
        }
        admin.save_schedule(db, fields=fields)
    except NewsdeskError as exc:
        return _failed(request, db, login, "digests", exc, posted)
    return _done("digests")


@router.get("/welcome", response_class=HTMLResponse)
def welcome_page(request: Request, db: DbSession, login: CurrentLogin, _u: Reader) -> Response:
    """Welcome series and their steps, with a timeline preview."""
    return _welcome(request, db, login)


@router.post("/welcome", response_class=HTMLResponse)
def series_create(
    request: Request, db: DbSession, login: CurrentLogin, _u: Writer, posted: PostedForm
) -> Response:
    """Create a welcome series."""
    try:
        admin.save_series(
            db,
            name=posted.get("name"),
            list_slug=posted.get("list_slug"),
            language=posted.get("language"),
        )
    except NewsdeskError as exc:
        return _failed(request, db, login, "welcome", exc, posted)
    return _done("welcome")


@router.post("/welcome/{series_id:int}/steps", response_class=HTMLResponse)
def step_save(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _u: Writer,
    posted: PostedForm,
    series_id: int,
) -> Response:
    """Add or change one step (delay in hours in the form, minutes in the model); a sent
    step's new texts go to later recipients only."""
    try:
        hours = float(posted.get("delay_hours", "0").replace(",", ".") or 0)
        admin.save_step(
            db,
            series_id=series_id,
            position=_int(posted, "position", 1),
            delay_minutes=round(hours * 60),
            subject=posted.get("subject"),
            body=posted.get("body"),
            version=_int(posted, "version") if posted.get("version").strip() else None,
            actor_id=login.user.id,
        )
    except ValueError:
        delay = ExplainedInvalid("delay: a number of hours", msgid=N_("Delay: a number of hours."))
        return _failed(request, db, login, "welcome", delay, posted)
    except NewsdeskError as exc:
        return _failed(request, db, login, "welcome", exc, posted)
    return _done("welcome")


@router.get("/feeds", response_class=HTMLResponse)
def feed_page(request: Request, db: DbSession, login: CurrentLogin, _u: Reader) -> Response:
    """Partner feeds with their last fetch, status and error."""
    return _feeds(request, db, login)


@router.post("/feeds", response_class=HTMLResponse)
def feed_add(
    request: Request, db: DbSession, login: CurrentLogin, _u: Writer, posted: PostedForm
) -> Response:
    """Register a partner feed."""
    try:
        feeds.add_feed(
            db,
            name=posted.get("name"),
            url=posted.get("url"),
            language=posted.get("language") or None,
            topic=posted.get("topic"),
        )
    except NewsdeskError as exc:
        return _failed(request, db, login, "feeds", exc, posted)
    return _done("feeds")


@router.post("/feeds/{feed_id:int}/fetch", response_class=HTMLResponse)
def feed_fetch(
    request: Request, db: DbSession, login: CurrentLogin, _u: Writer, feed_id: int
) -> Response:
    """Fetch one feed now (bounded by the feed timeout); the page shows the outcome."""
    db.commit()  # fetch_one works in its own transactions
    try:
        feeds.fetch_one(feed_id=feed_id, settings=get_settings())
    except NewsdeskError as exc:
        return _failed(request, db, login, "feeds", exc, Posted([]))
    return _done("feeds")

"""The coordinators' inbox: own inquiries, the triage queue, one thread, the sanitised original.

Coordinators see only inquiries routed to them (any other id answers 404); admins and
approvers see the triage queue and may open every thread. Actions live in inbox_actions.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from service.accounts.permissions import allowed
from service.errors import NotFound
from service.inbox import canned
from service.inbox.clock import SystemClock
from service.inbox.original import ORIGINAL_CSP, sanitised_original
from service.inbox.queries import (
    ThreadView,
    canned_values,
    inbox_for,
    original_raw,
    thread_view,
    triage_queue,
)
from service.models import Announcement, CannedAnswer, Coordinator, User
from service.reports.inbox import inbox_figures
from service.web.deps import CurrentLogin, DbSession, require
from service.web.inbox_events import event_line
from service.web.inbox_support import (
    INBOX_NOTICES,
    ROUTING_LABELS,
    STATE_LABELS,
    InboxUser,
    may_answer,
    open_inquiry,
    sees_everything,
)
from service.web.templating import register_nav, render

router = APIRouter()
register_nav("/inbox", "Inbox", "inquiry.answer_own")
register_nav("/inbox/triage", "Triage", "inquiry.triage")
Triage = Annotated[User, Depends(require("inquiry.triage"))]


def labels() -> dict[str, Any]:
    """Label tables every inbox template uses."""
    return {"routing_labels": ROUTING_LABELS, "state_labels": STATE_LABELS,
            "inbox_notices": INBOX_NOTICES, "event_line": event_line}  # fmt: skip


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, db: DbSession, login: CurrentLogin, _iu: InboxUser) -> Response:
    """A coordinator's own inquiries (admins: everybody's open ones), oldest due first."""
    user, now = login.user, SystemClock().now()
    if user.coordinator_id is not None and allowed(user.role, "inquiry.answer_own"):
        lines = inbox_for(db, coordinator_id=user.coordinator_id, now=now)
    elif sees_everything(user):
        ids = [c.id for c in db.exec(select(Coordinator)) if c.id is not None]
        lines = sorted(
            (ln for c in ids for ln in inbox_for(db, coordinator_id=c, now=now)
             if ln.state in {"new", "forwarded", "waiting"}),
            key=lambda ln: (ln.due_at is None, ln.due_at or ln.created_at),
        )  # fmt: skip
    else:
        lines = []
    return render(request, "inbox/list.html", login=login, lines=lines, now=now,
                  everyone=user.coordinator_id is None, **labels())  # fmt: skip


@router.get("/inbox/triage", response_class=HTMLResponse)
def triage_page(request: Request, db: DbSession, login: CurrentLogin, _u: Triage) -> Response:
    """Inquiries no rule could place, with the router's proposals for one-click assignment."""
    announcements = list(db.exec(select(Announcement).order_by(Announcement.slug)))
    return render(
        request, "inbox/triage.html", login=login, lines=triage_queue(db, now=SystemClock().now()),
        announcements=announcements, notice=request.query_params.get("done"),
        figures=inbox_figures(db), **labels(),
    )  # fmt: skip


@router.get("/inbox/{inquiry_id}", response_class=HTMLResponse)
def thread_page(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _iu: InboxUser,
    inquiry_id: int,
    canned_id: int = 0,
) -> Response:
    """The thread: the reply on top, the original on demand, notes, the answer box."""
    try:
        open_inquiry(db, login.user, inquiry_id)
    except NotFound:
        return not_found(request, login)
    view = thread_view(db, inquiry_id=inquiry_id, now=SystemClock().now())
    return render(request, "inbox/thread.html", login=login, **thread_context(
        db, view, login.user, canned_id=canned_id, notice=request.query_params.get("done"),
    ))  # fmt: skip


def thread_context(
    db: DbSession, view: ThreadView, user: User, *, canned_id: int = 0, notice: str | None = None,
    error: str = "", body: str = "", subject: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """What thread.html needs (also used to re-show the form after an error)."""
    language = view.subscriber.language if view.subscriber else view.inquiry.language
    texts = canned.listed(db)
    if canned_id and not body:
        body, language, error = canned_text(texts, view, canned_id, language)
    coordinators = list(db.exec(select(Coordinator).order_by(Coordinator.name)))
    default_subject = view.inquiry.subject or ""
    if not default_subject.lower().startswith("re:"):
        default_subject = f"Re: {default_subject}".strip()
    return {
        "view": view, "canned": texts, "canned_id": canned_id, "body": body, "error": error,
        "subject": default_subject if subject is None else subject, "language": language,
        "can_answer": may_answer(user, view.inquiry), "coordinators": coordinators,
        "notice": notice, "first_inbound": next(
            (e for e in view.entries if e.kind == "inbound"), None),
        **labels(),
    }  # fmt: skip


def canned_text(
    texts: list[CannedAnswer], view: ThreadView, canned_id: int, language: str
) -> tuple[str, str, str]:
    """The chosen canned answer filled in: (text, its language, error); unknown id: empty."""
    chosen = next((c for c in texts if c.id == canned_id), None)
    if chosen is None:
        return "", language, ""
    try:
        return canned.fill(chosen.body, canned_values(view)), chosen.language, ""
    except Exception as exc:  # an unknown variable: refused at use, shown on the page
        return "", language, str(exc)


@router.get("/inbox/{inquiry_id}/canned", response_class=HTMLResponse)
def canned_insert(
    request: Request, db: DbSession, login: CurrentLogin, _iu: InboxUser, inquiry_id: int,
    canned_id: int = 0, body: str = "", language: str = "",
) -> Response:  # fmt: skip
    """htmx: the answer box with the canned answer appended to what was already typed."""
    try:
        open_inquiry(db, login.user, inquiry_id)
    except NotFound:
        return Response("not found", status_code=404, media_type="text/plain")
    view = thread_view(db, inquiry_id=inquiry_id, now=SystemClock().now())
    current = language or (view.subscriber.language if view.subscriber else view.inquiry.language)
    text, chosen_language, error = canned_text(canned.listed(db), view, canned_id, current)
    joined = f"{body.rstrip()}\n\n{text}" if body.strip() and text else (text or body)
    return render(request, "inbox/_canned_insert.html", login=login, body=joined, error=error,
                  language=chosen_language, oob=True)  # fmt: skip


@router.get("/inbox/{inquiry_id}/original", response_class=HTMLResponse)
def original_page(db: DbSession, login: CurrentLogin, _iu: InboxUser, inquiry_id: int) -> Response:
    """The full original, sanitised, in a frame that may load and run nothing."""
    try:
        open_inquiry(db, login.user, inquiry_id)
        html = sanitised_original(original_raw(db, inquiry_id=inquiry_id))
    except NotFound:
        return Response("not found", status_code=404, media_type="text/plain")
    return HTMLResponse(html, headers={
        "Content-Security-Policy": ORIGINAL_CSP, "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    })  # fmt: skip


def not_found(request: Request, login: CurrentLogin) -> Response:
    """The 404 page for an inquiry this user may not see (or that does not exist)."""
    return render(request, "error.html", login=login, status=404, kind="not_found", message="")

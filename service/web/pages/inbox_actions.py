"""What people do on a thread: answer, hold decisions, notes, close/reopen/reassign (confirmed).

Routes parse the form and call service.inbox; answers are published to the worker after the
request's transaction commits: the route commits itself before returning a response whose
BackgroundTask publishes (so the worker can never look for a row that is not there yet).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select
from starlette.background import BackgroundTask

from service.accounts.permissions import allowed
from service.errors import InvalidInput, NewsdeskError, NotFound
from service.inbox import answers, lifecycle, unverified
from service.inbox.answers import Author
from service.inbox.clock import SystemClock
from service.inbox.queries import thread_view
from service.models import Coordinator, Inquiry, InquiryMessage, MessageState, User
from service.web.deps import CurrentLogin, DbSession
from service.web.errors import Forbidden
from service.web.inbox_support import InboxUser, author_of, error_text, open_inquiry, require_answer
from service.web.pages.inbox import labels, not_found, thread_context
from service.web.templating import PREFIX, render, request_language

router = APIRouter()
CONFIRMABLE = ("close", "reopen", "reassign")


def _back(inquiry_id: int, done: str, task: BackgroundTask | None = None) -> RedirectResponse:
    """PRG: back to the thread with a confirmation."""
    return RedirectResponse(f"{PREFIX}/inbox/{inquiry_id}?done={done}", status_code=303,
                            background=task)  # fmt: skip


def _publish_answers(entry_ids: list[int]) -> None:
    """After the commit: the worker sends them through the outbox."""
    from workers.publish import send_inquiry_answers

    send_inquiry_answers(entry_ids)


def _publish_handoffs(inquiry_id: int) -> None:
    """After the commit: the worker mails the new holder (same outbox as every mail)."""
    from workers.publish import notify_inquiry_holders

    notify_inquiry_holders(inquiry_id)


def _handoff_task(inquiry_id: int, mails: list[EmailMessage]) -> BackgroundTask | None:
    """The worker rebuilds and sends the hand-offs `mails` stand for (none: nothing to send)."""
    return BackgroundTask(_publish_handoffs, inquiry_id) if mails else None


@router.post("/inbox/{inquiry_id}/answer", response_class=HTMLResponse)
def post_answer(
    request: Request, db: DbSession, login: CurrentLogin, _iu: InboxUser, inquiry_id: int,
    body: Annotated[str, Form()] = "", subject: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "", seen_entry_id: Annotated[int, Form()] = 0,
    wait: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """Answer from the browser: queued and published, or held on a collision, or refused."""
    try:
        inquiry = open_inquiry(db, login.user, inquiry_id)
    except NotFound:
        return not_found(request, login)
    require_answer(login.user, inquiry)
    try:
        entry = answers.answer(
            db, inquiry_id=inquiry_id, author=author_of(login.user), body=body, subject=subject,
            language=language or None, seen_entry_id=seen_entry_id, wait_for_subscriber=bool(wait),
            now=SystemClock().now(),
        )  # fmt: skip
    except NewsdeskError as exc:
        db.rollback()
        view = thread_view(db, inquiry_id=inquiry_id, now=SystemClock().now())
        message = error_text(request_language(request, login), exc)
        context = thread_context(db, view, login.user, body=body, subject=subject, error=message)
        return render(request, "inbox/thread.html", login=login, status=422, **context)
    db.commit()
    if entry.state == MessageState.HELD:
        return _back(inquiry_id, "held")
    return _back(inquiry_id, "waiting" if wait else "sent",
                 BackgroundTask(_publish_answers, [entry.id or 0]))  # fmt: skip


@router.post("/inbox/{inquiry_id}/held/{entry_id}")
def post_held(
    request: Request, db: DbSession, login: CurrentLogin, _iu: InboxUser,
    inquiry_id: int, entry_id: int,
    decision: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """The author of a held answer sends it anyway or discards it."""
    try:
        inquiry = open_inquiry(db, login.user, inquiry_id)
        entry = db.get(InquiryMessage, entry_id)
        if entry is None or entry.inquiry_id != inquiry.id:
            raise NotFound("no such answer")
    except NotFound:
        return not_found(request, login)
    require_answer(login.user, inquiry)
    try:
        done = answers.confirm_held(db, entry_id=entry_id, author=author_of(login.user),
                                    now=SystemClock().now(), send=decision == "send")  # fmt: skip
    except NewsdeskError as exc:
        return _refused(request, db, login, inquiry_id, exc)
    db.commit()
    if done.state == MessageState.QUEUED:
        return _back(inquiry_id, "sent", BackgroundTask(_publish_answers, [done.id or 0]))
    return _back(inquiry_id, "discarded")


@router.post("/inbox/{inquiry_id}/unverified/{entry_id}")
def post_unverified(
    request: Request, db: DbSession, login: CurrentLogin, _iu: InboxUser,
    inquiry_id: int, entry_id: int,
    decision: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """The coordinator or an admin sends an answer that failed authentication, or discards it."""
    try:
        inquiry = open_inquiry(db, login.user, inquiry_id)
    except NotFound:
        return not_found(request, login)
    require_answer(login.user, inquiry)  # the inquiry's coordinator or an admin, nobody else
    if decision not in {"send", "discard"}:
        return _refused(request, db, login, inquiry_id, InvalidInput("choose send or discard"))
    try:
        done = unverified.decide_unverified(db, inquiry_id=inquiry_id, entry_id=entry_id,
                                            actor_id=login.user.id, send=decision == "send",
                                            now=SystemClock().now())  # fmt: skip
    except NewsdeskError as exc:
        return _refused(request, db, login, inquiry_id, exc)
    db.commit()
    if done.state == MessageState.QUEUED:
        return _back(inquiry_id, "sent", BackgroundTask(_publish_answers, [done.id or 0]))
    return _back(inquiry_id, "discarded")


@router.post("/inbox/{inquiry_id}/note")
def post_note(
    request: Request, db: DbSession, login: CurrentLogin, _iu: InboxUser, inquiry_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """An internal note, never mailed."""
    try:
        inquiry = open_inquiry(db, login.user, inquiry_id)
    except NotFound:
        return not_found(request, login)
    require_answer(login.user, inquiry)
    try:
        lifecycle.add_note(db, inquiry_id=inquiry_id, body=note, by=author_of(login.user),
                           now=SystemClock().now())  # fmt: skip
    except NewsdeskError as exc:
        return _refused(request, db, login, inquiry_id, exc)
    return _back(inquiry_id, "noted")


def _refused(
    request: Request, db: DbSession, login: CurrentLogin, inquiry_id: int, exc: NewsdeskError
) -> Response:
    """The thread again with the reason, nothing changed."""
    db.rollback()
    view = thread_view(db, inquiry_id=inquiry_id, now=SystemClock().now())
    context = thread_context(db, view, login.user,
                             error=error_text(request_language(request, login), exc))  # fmt: skip
    return render(request, "inbox/thread.html", login=login, status=422, **context)


def _may_move(user: User, inquiry: Inquiry) -> bool:
    """Close/reopen: whoever may answer; reassign also the triage owners."""
    try:
        require_answer(user, inquiry)
        return True
    except Forbidden:
        return False


@router.get("/inbox/{inquiry_id}/confirm/{action}", response_class=HTMLResponse)
def confirm_page(
    request: Request,
    db: DbSession,
    login: CurrentLogin,
    _iu: InboxUser,
    inquiry_id: int,
    action: str,
) -> Response:
    """Ask before closing, reopening or reassigning."""
    try:
        inquiry = open_inquiry(db, login.user, inquiry_id)
    except NotFound:
        return not_found(request, login)
    if action not in CONFIRMABLE:
        return not_found(request, login)
    _check_move(login.user, inquiry, action)
    coordinators = [c for c in db.exec(select(Coordinator).order_by(Coordinator.name))
                    if c.id != inquiry.coordinator_id]  # fmt: skip
    return render(request, "inbox/confirm.html", login=login, inquiry=inquiry, action=action,
                  coordinators=coordinators, error="", **labels())  # fmt: skip


def _check_move(user: User, inquiry: Inquiry, action: str) -> None:
    """403 unless this user may do `action` to the inquiry."""
    if action == "reassign" and allowed(user.role, "inquiry.triage"):
        return
    if not _may_move(user, inquiry):
        raise Forbidden("inquiry.answer_own")


@router.post("/inbox/{inquiry_id}/{action}", response_class=HTMLResponse)
def post_move(
    request: Request, db: DbSession, login: CurrentLogin, _iu: InboxUser,
    inquiry_id: int, action: str,
    version: Annotated[int, Form()] = 0, note: Annotated[str, Form()] = "",
    coordinator_id: Annotated[int, Form()] = 0, announcement_id: Annotated[int, Form()] = 0,
) -> Response:  # fmt: skip
    """Close, reopen, reassign (from the confirmation page) or assign (one click in triage)."""
    try:
        inquiry = open_inquiry(db, login.user, inquiry_id)
    except NotFound:
        return not_found(request, login)
    if action not in (*CONFIRMABLE, "assign"):
        return not_found(request, login)
    _check_move(login.user, inquiry, "reassign" if action == "assign" else action)
    by, now, expected = author_of(login.user), SystemClock().now(), version or None
    try:
        mails = _apply(db, action, inquiry_id, by, now, expected, note, coordinator_id,
                       announcement_id)  # fmt: skip
    except NewsdeskError as exc:
        db.rollback()
        coordinators = list(db.exec(select(Coordinator).order_by(Coordinator.name)))
        return render(
            request, "inbox/confirm.html", login=login, status=422, inquiry=inquiry,
            action=action if action != "assign" else "reassign", coordinators=coordinators,
            error=error_text(request_language(request, login), exc), **labels(),
        )  # fmt: skip
    db.commit()
    if action == "assign":
        return RedirectResponse(f"{PREFIX}/inbox/triage?done=assigned", status_code=303,
                                background=_handoff_task(inquiry_id, mails))  # fmt: skip
    done = {"close": "closed", "reopen": "reopened", "reassign": "reassigned"}[action]
    target = _back(inquiry_id, done, _handoff_task(inquiry_id, mails))
    if action == "reassign" and not allowed(login.user.role, "inquiry.triage"):
        target.headers["location"] = f"{PREFIX}/inbox?done=reassigned"  # no longer theirs
    return target


def _apply(
    db: Session, action: str, inquiry_id: int, by: Author, now: datetime, expected: int | None,
    note: str, coordinator_id: int, announcement_id: int,
) -> list[EmailMessage]:  # fmt: skip
    """Run the lifecycle function of `action`; returns the mails to send after the commit."""
    if action == "close":
        lifecycle.close(db, inquiry_id=inquiry_id, by=by, now=now, note=note,
                        expected_version=expected)  # fmt: skip
        return []
    if action == "reopen":
        lifecycle.reopen(db, inquiry_id=inquiry_id, by=by, now=now, note=note,
                         expected_version=expected)  # fmt: skip
        return []
    if action == "reassign":
        return lifecycle.reassign(db, inquiry_id=inquiry_id, coordinator_id=coordinator_id,
                                  note=note, by=by, now=now, expected_version=expected)  # fmt: skip
    return lifecycle.assign_announcement(db, inquiry_id=inquiry_id, announcement_id=announcement_id,
                                         by=by, now=now)  # fmt: skip

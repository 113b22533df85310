"""Shared by the inbox pages: who may open what, the answering author, labels, error text."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from service.accounts.permissions import allowed
from service.errors import NewsdeskError, NotFound
from service.inbox.answers import Author
from service.inbox.queries import may_open
from service.models import Inquiry, User
from service.web.deps import CurrentLogin
from service.web.errors import Forbidden
from service.web.i18n import gettext
from service.web.templating import N_

ROUTING_LABELS = {
    "reply_token": N_("Reply address of the announcement"),
    "quoted_section": N_("Quoted section"),
    "named_announcement": N_("Announcement named in the text"),
    "topic_rule": N_("Topic rule"),
    "triage": N_("Triage"),
    "thread": N_("Follow-up in the thread"),
    "assigned": N_("Assigned by a person"),
}
STATE_LABELS = {
    "new": N_("New"),
    "forwarded": N_("Open"),
    "waiting": N_("Waiting for the subscriber"),
    "answered": N_("Answered"),
    "closed": N_("Closed"),
}
INBOX_NOTICES = {
    "sent": N_("Your answer is on its way to the subscriber."),
    "held": N_("Your answer was held: someone else answered first. Send it anyway or discard it."),
    "noted": N_("The note has been added."),
    "closed": N_("The inquiry has been closed."),
    "reopened": N_("The inquiry has been reopened."),
    "reassigned": N_("The inquiry has been reassigned."),
    "assigned": N_("The inquiry has been assigned."),
    "waiting": N_("The inquiry waits for the subscriber; its clock is stopped."),
    "discarded": N_("The held answer has been discarded."),
}


INBOX_ACTIONS = ("inquiry.answer_own", "inquiry.answer_all", "inquiry.triage")


def inbox_user(login: CurrentLogin) -> User:
    """A dependency: roles without any inbox action (viewer, editor) get 403 before anything."""
    if not any(allowed(login.user.role, action) for action in INBOX_ACTIONS):
        raise Forbidden("inquiry.answer_own")
    return login.user


InboxUser = Annotated[User, Depends(inbox_user)]


def sees_everything(user: User) -> bool:
    """Admins answer everything; approvers (with admins) own triage and may open any thread."""
    return allowed(user.role, "inquiry.answer_all") or allowed(user.role, "inquiry.triage")


def may_answer(user: User, inquiry: Inquiry) -> bool:
    """Admins, or the coordinator the inquiry is routed to."""
    if allowed(user.role, "inquiry.answer_all"):
        return True
    return allowed(user.role, "inquiry.answer_own") and may_open(
        inquiry, coordinator_id=user.coordinator_id
    )


def open_inquiry(db: Session, user: User, inquiry_id: int) -> Inquiry:
    """The inquiry if this user may see it; others get 404 (its existence is not revealed)."""
    inquiry = db.get(Inquiry, inquiry_id)
    if inquiry is None:
        raise NotFound(f"inquiry {inquiry_id} does not exist")
    if sees_everything(user) or may_answer(user, inquiry):
        return inquiry
    raise NotFound(f"inquiry {inquiry_id} does not exist")


def require_answer(user: User, inquiry: Inquiry) -> None:
    """403 unless this user may act on the inquiry (triage owners may assign, not answer)."""
    if not may_answer(user, inquiry):
        raise Forbidden("inquiry.answer_own")


def author_of(user: User) -> Author:
    """The thread's author for this user."""
    return Author(label=user.display_name, coordinator_id=user.coordinator_id, user_id=user.id)


def error_text(lang: str, exc: NewsdeskError) -> str:
    """A service error in the user's language where the catalog knows it."""
    return gettext(lang, str(exc))


# Service messages the inbox pages show; listed so the catalogs translate them.
SERVICE_MESSAGES = [
    N_("the answer is empty"),
    N_("the subject must be a single line (no line breaks)"),
    N_("this inquiry is closed: reopen it before answering"),
    N_("say in a note why you reassign this inquiry"),
    N_("the note is empty"),
    N_("someone else changed this inquiry meanwhile; reload the page and try again"),
    N_("the inquiry is already with this coordinator"),
    N_("an absence must end after it starts"),
    N_("the substitute must be someone else"),
    N_("a canned answer needs a text"),
    N_("a canned answer needs a name"),
    N_("unbalanced {{ }} in the canned answer"),
    N_("this answer is not held"),
    N_("only the author of a held answer can release or discard it"),
    N_("choose send or discard"),
    N_("this answer is not waiting for a confirmation"),
    N_("this subscriber must not be mailed"),
]
SERVICE_MESSAGES += [
    N_("choose one of the configured office calendars"),
    N_("the response target must be a number of business hours above 0"),
    N_("the deputy must be another coordinator"),
    N_("enter the start and end as date and time"),
    N_("your account is not linked to a coordinator"),
]

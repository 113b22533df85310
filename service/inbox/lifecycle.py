"""What people do to an inquiry: close, reopen, reassign with a note, assign from triage, notes.

Every change goes through the state table and bumps `version`; a form that carries an older
version is refused (someone else changed the inquiry meanwhile), never silently applied.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from sqlmodel import Session

from service.domain.inquiry_states import InquiryAction, RoutingReason, next_state
from service.errors import InvalidInput, NotFound
from service.inbox import sla, thread
from service.inbox.answers import Author, locked
from service.inbox.placement import assign
from service.models import Announcement, Coordinator, Inquiry, InquiryMessage, MessageKind


def _checked(session: Session, inquiry_id: int, expected_version: int | None) -> Inquiry:
    """The locked inquiry, refusing a stale form."""
    inquiry = locked(session, inquiry_id)
    if expected_version is not None and inquiry.version != expected_version:
        raise InvalidInput(
            "someone else changed this inquiry meanwhile; reload the page and try again"
        )
    return inquiry


def _move(
    session: Session, inquiry: Inquiry, action: InquiryAction, by: Author, now: datetime, text: str
) -> Inquiry:
    """Apply a transition, let the clock follow, bump the version, log the event."""
    assert inquiry.id is not None
    inquiry.state = next_state(inquiry.state, action)
    sla.follow_state(inquiry, sla.calendar_of(session, inquiry), now)
    inquiry.version += 1
    session.add(inquiry)
    thread.event(session, inquiry_id=inquiry.id, text=text, now=now, by=by.label)
    return inquiry


def close(
    session: Session, *, inquiry_id: int, by: Author, now: datetime,
    note: str = "", expected_version: int | None = None,
) -> Inquiry:  # fmt: skip
    """Close (answered elsewhere, or nothing to answer); the clock stops."""
    inquiry = _checked(session, inquiry_id, expected_version)
    return _move(session, inquiry, InquiryAction.CLOSE, by, now, _with("Closed", note))


def reopen(
    session: Session, *, inquiry_id: int, by: Author, now: datetime,
    note: str = "", expected_version: int | None = None,
) -> Inquiry:  # fmt: skip
    """Reopen a closed inquiry; the clock runs on from where it stopped."""
    inquiry = _checked(session, inquiry_id, expected_version)
    return _move(session, inquiry, InquiryAction.REOPEN, by, now, _with("Reopened", note))


def wait_for_subscriber(
    session: Session, *, inquiry_id: int, by: Author, now: datetime,
    expected_version: int | None = None,
) -> Inquiry:  # fmt: skip
    """We asked the subscriber something (by phone, say): the clock stops until they reply."""
    inquiry = _checked(session, inquiry_id, expected_version)
    return _move(session, inquiry, InquiryAction.WAIT, by, now, "Waiting for the subscriber")


def reassign(
    session: Session, *, inquiry_id: int, coordinator_id: int, note: str, by: Author,
    now: datetime, expected_version: int | None = None,
) -> list[EmailMessage]:  # fmt: skip
    """Hand the inquiry to another coordinator, with a note saying why; returns the hand-off."""
    if not note.strip():
        raise InvalidInput("say in a note why you reassign this inquiry")
    inquiry = _checked(session, inquiry_id, expected_version)
    if inquiry.coordinator_id == coordinator_id:
        raise InvalidInput("the inquiry is already with this coordinator")
    return assign(
        session, inquiry=inquiry, coordinator_id=coordinator_id,
        reason=RoutingReason.ASSIGNED, now=now, by=by.label, note=note.strip(),
    )  # fmt: skip


def assign_announcement(
    session: Session, *, inquiry_id: int, announcement_id: int, by: Author, now: datetime,
    expected_version: int | None = None,
) -> list[EmailMessage]:  # fmt: skip
    """One click in triage: the inquiry is about this announcement; its coordinator gets it."""
    inquiry = _checked(session, inquiry_id, expected_version)
    ann = session.get(Announcement, announcement_id)
    if ann is None:
        raise NotFound(f"announcement {announcement_id} does not exist")
    if ann.coordinator_id is None or session.get(Coordinator, ann.coordinator_id) is None:
        raise InvalidInput(f"announcement {ann.slug!r} has no coordinator to assign to")
    inquiry.announcement_id = ann.id
    return assign(session, inquiry=inquiry, coordinator_id=ann.coordinator_id,
                  reason=RoutingReason.ASSIGNED, now=now, by=by.label,
                  note=f"about {ann.title_en or ann.slug}")  # fmt: skip


def add_note(
    session: Session, *, inquiry_id: int, body: str, by: Author, now: datetime
) -> InquiryMessage:
    """An internal note in the thread; never mailed to anyone."""
    text = body.strip()
    if not text:
        raise InvalidInput("the note is empty")
    inquiry = locked(session, inquiry_id)
    assert inquiry.id is not None
    return thread.record(session, inquiry_id=inquiry.id, kind=MessageKind.NOTE, body=text[:20_000],
                         now=now, author_label=by.label, author_coordinator_id=by.coordinator_id,
                         author_user_id=by.user_id)  # fmt: skip


def _with(text: str, note: str) -> str:
    """An event text with the optional note."""
    return f"{text}: {note.strip()}" if note.strip() else text

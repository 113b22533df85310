"""Answers to a subscriber, from the browser or by e-mail, with the collision check.

An answer is recorded in the thread as QUEUED and becomes SENT once the outbox handed it to
the relay. If someone else answered since its author last looked (in the browser: since the
thread entry the form was rendered with; by e-mail: since the subscriber's latest message),
it is HELD instead, and its author must confirm or discard it: nobody gets two answers by
accident. The inquiry row is locked while this is decided, so two racing answers serialise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from service.domain.inquiry_states import InquiryAction, InquiryState, next_state
from service.errors import InvalidInput, InvalidTransition, NotFound
from service.events import emit
from service.inbox import sla, thread
from service.mail.compose import new_message_id
from service.models import Inquiry, InquiryMessage, MessageKind, MessageState, Subscriber
from service.models.automation import EventKind
from service.settings import get_settings

MAX_ANSWER_CHARS = 50_000


@dataclass(frozen=True)
class Author:
    """Who answers: a newsroom user and/or a coordinator, with a label for the thread."""

    label: str
    coordinator_id: int | None = None
    user_id: int | None = None


def check_text(*, body: str, subject: str) -> tuple[str, str]:
    """(body, subject) cleaned, or InvalidInput saying what is wrong."""
    if any(c in subject for c in "\r\n\x00"):
        raise InvalidInput("the subject must be a single line (no line breaks)")
    if "\x00" in body:
        raise InvalidInput("the answer contains a NUL character")
    text = body.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("the answer is empty")
    if len(text) > MAX_ANSWER_CHARS:
        raise InvalidInput(f"the answer is longer than {MAX_ANSWER_CHARS} characters")
    return text, " ".join(subject.split())[:300]


def locked(session: Session, inquiry_id: int) -> Inquiry:
    """The inquiry, row-locked for the decision."""
    inquiry = session.get(Inquiry, inquiry_id, with_for_update=True)
    if inquiry is None:
        raise NotFound(f"inquiry {inquiry_id} does not exist")
    return inquiry


def answer(
    session: Session,
    *,
    inquiry_id: int,
    author: Author,
    body: str,
    now: datetime,
    subject: str = "",
    language: str | None = None,
    seen_entry_id: int | None = None,
    wait_for_subscriber: bool = False,
    channel: str = "web",
) -> InquiryMessage:
    """Record an answer: QUEUED to send, or HELD on a collision; adds and flushes."""
    text, subject = check_text(body=body, subject=subject)
    inquiry = locked(session, inquiry_id)
    assert inquiry.id is not None
    if inquiry.state == InquiryState.CLOSED:
        raise InvalidTransition("this inquiry is closed: reopen it before answering")
    subscriber = session.get(Subscriber, inquiry.subscriber_id) if inquiry.subscriber_id else None
    if subscriber is None:
        raise InvalidInput("this inquiry has no known subscriber to answer")
    lang = language or subscriber.language or inquiry.language
    if lang not in {"de", "en"}:
        raise InvalidInput("the answer language must be de or en")
    entry = thread.record(
        session, inquiry_id=inquiry.id, kind=MessageKind.ANSWER, body=text, now=now,
        author_label=author.label, author_coordinator_id=author.coordinator_id,
        author_user_id=author.user_id, subject=subject, language=lang, channel=channel,
    )  # fmt: skip
    earlier = collision(session, inquiry=inquiry, author=author, seen_entry_id=seen_entry_id,
                        exclude=entry.id)  # fmt: skip
    if earlier is not None:
        return _hold(session, entry, earlier)
    return queue_answer(session, inquiry, entry, now, wait_for_subscriber)


def collision(
    session: Session,
    *,
    inquiry: Inquiry,
    author: Author,
    seen_entry_id: int | None,
    exclude: int | None = None,
) -> InquiryMessage | None:
    """An answer by someone else the author has not seen (None: no collision)."""
    assert inquiry.id is not None
    entries = [e for e in thread.entries(session, inquiry_id=inquiry.id) if e.id != exclude]
    if seen_entry_id is None:  # e-mail: anything since the subscriber last wrote counts
        inbound = [e.id or 0 for e in entries if e.kind == MessageKind.INBOUND]
        seen_entry_id = max(inbound, default=0)
    for e in reversed(entries):
        unseen = (e.id or 0) > seen_entry_id
        live = e.kind == MessageKind.ANSWER and e.state in {MessageState.SENT, MessageState.QUEUED}
        if unseen and live and not _same_author(e, author):
            return e
    return None


def _same_author(entry: InquiryMessage, author: Author) -> bool:
    """Own follow-ups never collide with themselves."""
    if author.user_id is not None and entry.author_user_id == author.user_id:
        return True
    if author.coordinator_id is not None and entry.author_coordinator_id == author.coordinator_id:
        return entry.author_user_id is None or author.user_id is None
    return False


def _hold(session: Session, entry: InquiryMessage, earlier: InquiryMessage) -> InquiryMessage:
    """Keep the answer unsent and say why."""
    when = earlier.created_at.strftime("%Y-%m-%d %H:%M")
    entry.state = MessageState.HELD
    entry.hold_reason = f"{earlier.author_label or 'someone'} answered at {when} UTC"[:500]
    session.add(entry)
    session.flush()
    return entry


def queue_answer(
    session: Session, inquiry: Inquiry, entry: InquiryMessage, now: datetime, wait: bool
) -> InquiryMessage:
    """The answer goes out: state, clock, first-answer time; the Message-ID is fixed now."""
    entry.state = MessageState.QUEUED
    entry.message_id = new_message_id(get_settings().message_id_domain)  # short: never folded
    inquiry.state = next_state(inquiry.state, InquiryAction.WAIT if wait else InquiryAction.ANSWER)
    calendar = sla.calendar_of(session, inquiry)
    if inquiry.first_answered_at is None:
        inquiry.first_answered_at = now
        inquiry.first_answer_s = sla.used_seconds(inquiry, calendar, now)
    inquiry.answered_at, inquiry.version = now, inquiry.version + 1
    sla.follow_state(inquiry, calendar, now)
    session.add_all([entry, inquiry])
    # the automation trigger (service/automation/triggers.py), in this answer's transaction
    emit(
        session,
        kind=EventKind.INQUIRY_ANSWERED,
        subscriber_id=inquiry.subscriber_id,
        detail={"inquiry_id": inquiry.id},
        at=now,
    )
    session.flush()
    return entry


def confirm_held(
    session: Session, *, entry_id: int, author: Author, now: datetime, send: bool
) -> InquiryMessage:
    """The author sends a held answer anyway (send=True) or discards it; adds and flushes."""
    entry = session.get(InquiryMessage, entry_id)
    if entry is None or entry.kind != MessageKind.ANSWER:
        raise NotFound(f"answer {entry_id} does not exist")
    if entry.state != MessageState.HELD:
        raise InvalidTransition("this answer is not held")
    if not _same_author(entry, author):
        raise InvalidInput("only the author of a held answer can release or discard it")
    inquiry = locked(session, entry.inquiry_id)
    if not send:
        entry.state = MessageState.DISCARDED
        session.add(entry)
        session.flush()
        return entry
    if inquiry.state == InquiryState.CLOSED:
        raise InvalidTransition("this inquiry is closed: reopen it before answering")
    entry.hold_reason = ""
    return queue_answer(session, inquiry, entry, now, wait=False)

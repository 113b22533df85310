"""E-mailed answers that could not be authenticated: in the thread, sent only on a person's word.

An answer to a hand-off that fails authentication (issue 15, finding 9) is never relayed on its
own. It used to be recorded on the stored message only, so nobody learnt of it. Now it becomes
an UNVERIFIED entry in the inquiry's thread, the coordinator of record (from our own records,
never the unauthenticated From) gets a signed notice through the outbox (one while any such
answer is pending, so a flood of forgeries is one mail), and the coordinator or an admin sends
it from the inbox or discards it; either decision is audit-logged.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

from sqlmodel import Session, select

from service import audit
from service.errors import InvalidInput, InvalidTransition, NotFound
from service.inbox import thread
from service.inbox.answer_screen import must_not_mail
from service.inbox.answers import check_text, locked, queue_answer
from service.inbox.notices import notice
from service.models import (
    Coordinator,
    Inquiry,
    InquiryMessage,
    MessageKind,
    MessageState,
    Subscriber,
)
from service.models.inquiry import InquiryState


def hold_unverified(
    session: Session, *, inquiry: Inquiry, sender: str, text: str, reason: str, now: datetime,
    language: str | None = None, inbound_message_id: int | None = None,
) -> list[EmailMessage]:  # fmt: skip
    """Record the answer as UNVERIFIED; the notice to send (none if one is pending already)."""
    assert inquiry.id is not None
    try:
        body, _ = check_text(body=text, subject="")
    except InvalidInput:
        return []  # empty or oversized: nothing anyone could send; the stored message keeps it
    pending = _pending(session, inquiry_id=inquiry.id)
    claimed = " ".join(sender.split())[:200] or "unknown sender"
    thread.record(
        session, inquiry_id=inquiry.id, kind=MessageKind.ANSWER, body=body, now=now,
        author_label=claimed, state=MessageState.UNVERIFIED, hold_reason=reason[:500],
        channel="email", language=language if language in {"de", "en"} else inquiry.language,
        inbound_message_id=inbound_message_id,
    )  # fmt: skip
    coordinator = session.get(Coordinator, inquiry.coordinator_id or 0)
    if pending or coordinator is None or "@" not in (coordinator.email or ""):
        return []
    text = (
        f"An answer to this inquiry, sent in the name of {claimed}, could not be authenticated "
        f"({reason}). It was not sent to the subscriber.\n"
        "Open the inquiry in the newsroom to send it or to discard it."
    )
    return [notice(inquiry=inquiry, to=coordinator, subject="Answer held: not authenticated",
                   body=text, answerable=False)]  # fmt: skip


def _pending(session: Session, *, inquiry_id: int) -> bool:
    return (
        session.exec(
            select(InquiryMessage.id).where(
                InquiryMessage.inquiry_id == inquiry_id,
                InquiryMessage.state == MessageState.UNVERIFIED,
            )
        ).first()
        is not None
    )


def decide_unverified(
    session: Session, *, inquiry_id: int, entry_id: int, actor_id: int | None, send: bool,
    now: datetime,
) -> InquiryMessage:  # fmt: skip
    """Send (QUEUED for the outbox) or discard an unverified answer; adds, flushes, audits."""
    entry = session.get(InquiryMessage, entry_id)
    if entry is None or entry.inquiry_id != inquiry_id or entry.kind != MessageKind.ANSWER:
        raise NotFound(f"answer {entry_id} does not exist")
    if entry.state != MessageState.UNVERIFIED:
        raise InvalidTransition("this answer is not waiting for a confirmation")
    inquiry = locked(session, inquiry_id)
    if send:
        if inquiry.state == InquiryState.CLOSED:
            raise InvalidTransition("this inquiry is closed: reopen it before answering")
        subscriber = session.get(Subscriber, inquiry.subscriber_id or 0)
        if subscriber is None or must_not_mail(session, subscriber=subscriber):
            raise InvalidInput("this subscriber must not be mailed")
        entry.author_user_id = actor_id
        entry.hold_reason = ""
        queue_answer(session, inquiry, entry, now, wait=False)
    else:
        entry.state = MessageState.DISCARDED
        session.add(entry)
        session.flush()
    audit.record(
        session, actor_id=actor_id, object_type="inquiry", object_id=inquiry_id,
        action="unverified_answer.sent" if send else "unverified_answer.discarded",
        entry_id=entry_id, claimed_sender=entry.author_label,
    )  # fmt: skip
    return entry

"""A coordinator answers by replying to the hand-off (answer+TOKEN@): relayed, held or refused."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr

from sqlmodel import Session, func, select

from service.errors import InvalidInput, InvalidTransition
from service.inbound.reading.classify import InboundVerdict
from service.inbox.answer_mail import answer_message
from service.inbox.answer_screen import screen_answer
from service.inbox.answers import Author, answer
from service.inbox.intake import Received
from service.inbox.notices import notice
from service.inbox.unverified import hold_unverified
from service.models import Coordinator, InboundMessage, Inquiry, MessageState, Subscriber


def answer_by_email(
    session: Session,
    *,
    inquiry_id: int,
    row: InboundMessage,
    verdict: InboundVerdict,
    now: datetime,
) -> Received:
    """Relay the answer, or hold it on a collision, or refuse it; the author hears why.

    Only an authenticated answer from the coordinator (or their substitute) gets that far, and
    only to a subscriber we may mail (issue 15, finding 9). An unauthenticated answer waits in
    the thread for the coordinator or an admin to confirm (unverified.py); the coordinator of
    record is told, never the From (a forged From must not get our notices). An answer to a
    subscriber we must not mail is held on the stored message with the reason.
    """
    inquiry = session.get(Inquiry, inquiry_id)
    subscriber = (
        session.get(Subscriber, inquiry.subscriber_id)
        if inquiry and inquiry.subscriber_id
        else None
    )
    if inquiry is None or subscriber is None:
        return Received("unmatched", None)
    held = screen_answer(session, row=row, inquiry=inquiry, subscriber=subscriber, now=now)
    if held is not None and held.confirmable:  # the coordinator of record hears of it
        told = hold_unverified(session, inquiry=inquiry, sender=verdict.from_address,
                               text=verdict.text or "", reason=held.reason, now=now,
                               language=subscriber.language, inbound_message_id=row.id)  # fmt: skip
        return Received(held.reason, inquiry_id, told)
    if held is not None:
        return Received(held.reason, inquiry_id)
    author_row = _author(session, verdict.from_address)
    author = Author(
        label=author_row.name or author_row.email,
        coordinator_id=author_row.id,
    )
    try:
        entry = answer(session, inquiry_id=inquiry_id, author=author, body=verdict.text or "",
                       now=now, channel="email")  # fmt: skip
    except (InvalidInput, InvalidTransition) as exc:
        told = _tell(inquiry, author_row, "Your answer was not sent", f"{exc}.")
        return Received("answer refused", inquiry_id, told)
    if entry.state == MessageState.HELD:
        body = (
            f"Your answer was held, not sent: {entry.hold_reason}.\n"
            "Open the inquiry in the newsroom to send it anyway or to discard it."
        )
        return Received("answer held", inquiry_id, _tell(inquiry, author_row, "Answer held", body))
    return Received("relayed", inquiry_id, [answer_message(session, entry=entry)])


def _author(session: Session, from_header: str) -> Coordinator:
    """The coordinator with this address, or an unsaved stand-in for the thread's label."""
    name, address = parseaddr(from_header)
    found = session.exec(
        select(Coordinator).where(func.lower(Coordinator.email) == address.lower())
    ).first()
    return found or Coordinator(name=name or address, email=address)


def _tell(inquiry: Inquiry, to: Coordinator, subject: str, body: str) -> list[EmailMessage]:
    """A notice to the author (none when the From address is unusable)."""
    if not to.email or "@" not in to.email:
        return []
    return [notice(inquiry=inquiry, to=to, subject=subject, body=body, answerable=False)]

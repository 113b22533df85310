"""The mail an answer becomes: from the partnership address, threaded, DKIM-signed by the outbox."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.addressing.subaddresses import reply_address
from service.addressing.tokens import codec
from service.inbox import thread
from service.inbox.handoff import build_answer
from service.models import Inquiry, InquiryMessage, MessageKind, MessageState, Subscriber
from service.models._common import utcnow
from service.settings import get_settings


def answer_message(session: Session, *, entry: InquiryMessage) -> EmailMessage:
    """The MIME message of a queued answer (its Message-ID was fixed when it was queued)."""
    inquiry = session.get(Inquiry, entry.inquiry_id)
    assert inquiry is not None and inquiry.subscriber_id is not None
    subscriber = session.get(Subscriber, inquiry.subscriber_id)
    assert subscriber is not None
    msg = build_answer(inquiry=inquiry, subscriber=subscriber, text=entry.body + "\n")
    entries = thread.entries(session, inquiry_id=inquiry.id or 0)
    earlier = [e for e in entries if e.message_id and (e.id or 0) < (entry.id or 0)]
    inbound = [e.message_id for e in earlier if e.kind == MessageKind.INBOUND]
    chain = [e.message_id for e in earlier if e.kind in {MessageKind.INBOUND, MessageKind.ANSWER}]
    _replace(msg, "Message-ID", entry.message_id)
    if entry.subject:
        _replace(msg, "Subject", entry.subject)
    if inbound:  # threaded under the subscriber's latest message, the whole chain referenced
        _replace(msg, "In-Reply-To", inbound[-1])
        _replace(msg, "References", " ".join(dict.fromkeys(chain)))
    msg["Date"] = format_datetime(utcnow())
    msg["Content-Language"] = entry.language
    token = codec().reply(
        inquiry.campaign_id or 0, subscriber.id or 0, inquiry.announcement_id or 0
    )
    msg["Reply-To"] = reply_address(token, get_settings().reply_domain)
    return msg


def _replace(msg: EmailMessage, name: str, value: str) -> None:
    """Set a single header (values come from our own rows, already one line)."""
    del msg[name]
    msg[name] = " ".join(value.split())


def queued(session: Session, *, entry_ids: list[int] | None = None) -> list[InquiryMessage]:
    """Answers waiting for the outbox (optionally only these)."""
    query = select(InquiryMessage).where(
        InquiryMessage.kind == MessageKind.ANSWER, InquiryMessage.state == MessageState.QUEUED
    )
    if entry_ids is not None:
        query = query.where(col(InquiryMessage.id).in_(entry_ids))
    return list(session.exec(query.order_by(col(InquiryMessage.id))))


def mark_sent(session: Session, *, message_ids: list[str], now: datetime) -> int:
    """Queued answers with these Message-IDs are sent; returns how many."""
    if not message_ids:
        return 0
    result = session.execute(
        sa.update(InquiryMessage)
        .where(
            col(InquiryMessage.message_id).in_(message_ids),
            col(InquiryMessage.state) == MessageState.QUEUED,
        )
        .values(state=MessageState.SENT, sent_at=now)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)

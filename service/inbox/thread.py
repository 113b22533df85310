"""Entries of an inquiry's thread: the subscriber's mail, our answers, notes, events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from service.models import InquiryMessage, MessageKind, MessageState


def record(
    session: Session,
    *,
    inquiry_id: int,
    kind: MessageKind,
    body: str,
    now: datetime,
    author_label: str = "",
    author_coordinator_id: int | None = None,
    author_user_id: int | None = None,
    **fields: Any,
) -> InquiryMessage:
    """Add one entry; adds and flushes."""
    entry = InquiryMessage(
        inquiry_id=inquiry_id,
        kind=kind,
        body=body,
        created_at=now,
        author_label=author_label[:320],
        author_coordinator_id=author_coordinator_id,
        author_user_id=author_user_id,
        **fields,
    )
    session.add(entry)
    session.flush()
    return entry


def event(session: Session, *, inquiry_id: int, text: str, now: datetime, by: str = "") -> None:
    """A lifecycle event in the thread (assigned, escalated, closed...)."""
    record(session, inquiry_id=inquiry_id, kind=MessageKind.EVENT, body=text, now=now,
           author_label=by)  # fmt: skip


def entries(session: Session, *, inquiry_id: int) -> list[InquiryMessage]:
    """The whole thread, oldest first."""
    return list(
        session.exec(
            select(InquiryMessage)
            .where(InquiryMessage.inquiry_id == inquiry_id)
            .order_by(col(InquiryMessage.created_at), col(InquiryMessage.id))
        )
    )


def sent_answers(session: Session, *, inquiry_id: int) -> list[InquiryMessage]:
    """Answers that went (or are going) out, oldest first."""
    return [
        e
        for e in entries(session, inquiry_id=inquiry_id)
        if e.kind == MessageKind.ANSWER and e.state in {MessageState.SENT, MessageState.QUEUED}
    ]


def latest_id(session: Session, *, inquiry_id: int) -> int:
    """The newest entry's id (0 for none): what a form says its author has seen."""
    found = session.exec(
        select(InquiryMessage.id)
        .where(InquiryMessage.inquiry_id == inquiry_id)
        .order_by(col(InquiryMessage.id).desc())
    ).first()
    return found or 0

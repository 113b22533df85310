"""Process each stored inbound message once, and each Message-ID once per window (finding 11).

A task redelivered after a worker died, a replayed dead letter, or an MTA that delivers the
same message twice must not create a second inquiry or a second hand-off mail.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from service.errors import NotFound
from service.models import InboundMessage, InboundStatus

DUPLICATE_WINDOW = timedelta(days=7)


def lock_message(session: Session, *, message_id: int) -> InboundMessage:
    """The stored message, row-locked until the caller commits (two workers cannot both run)."""
    row = session.get(InboundMessage, message_id, with_for_update=True)
    if row is None:
        raise NotFound(f"inbound message {message_id} does not exist")
    return row


def already_processed(row: InboundMessage) -> bool:
    """True when this row's processing already ran (processed, quarantined or a duplicate)."""
    return row.status != InboundStatus.RECEIVED


def duplicate_of(session: Session, *, row: InboundMessage) -> int | None:
    """The id of an earlier processed copy: same Message-ID, same envelope recipients."""
    if not row.header_message_id:
        return None
    since = row.received_at - DUPLICATE_WINDOW
    candidates = session.exec(
        select(InboundMessage.id, InboundMessage.envelope_to).where(
            InboundMessage.header_message_id == row.header_message_id,
            col(InboundMessage.id) != row.id,
            InboundMessage.status == InboundStatus.PROCESSED,
            col(InboundMessage.received_at) >= since,
        )
    ).all()
    wanted = sorted(a.lower() for a in row.envelope_to)
    return next((i for i, to in candidates if sorted(a.lower() for a in to) == wanted), None)

"""Store raw inbound bytes durably before anything else looks at them."""

from __future__ import annotations

from sqlmodel import Session

from service.db import session_scope
from service.models import InboundChannel, InboundMessage


def add_inbound(
    session: Session,
    *,
    raw: bytes,
    envelope_from: str,
    envelope_to: list[str],
    channel: str = InboundChannel.SMTP,
) -> InboundMessage:
    """Add one received message (status received) and flush to get its id."""
    row = InboundMessage(
        raw=raw, envelope_from=envelope_from[:998], envelope_to=envelope_to, channel=channel
    )
    session.add(row)
    session.flush()
    return row


def store_inbound(
    *, raw: bytes, envelope_from: str, envelope_to: list[str], channel: str = InboundChannel.SMTP
) -> int:
    """Entry-point helper: add and COMMIT in its own transaction; returns the stored id."""
    with session_scope() as session:
        row = add_inbound(
            session, raw=raw, envelope_from=envelope_from, envelope_to=envelope_to, channel=channel
        )
        assert row.id is not None
        return row.id

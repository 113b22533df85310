"""Store raw inbound bytes durably before anything else looks at them."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from service.db import get_engine
from service.models import InboundChannel, InboundMessage, InboundStatus
from service.models._common import table_of, utcnow
from service.settings import get_settings


def store_inbound(
    *,
    raw: bytes,
    envelope_from: str,
    envelope_to: list[str],
    channel: str = InboundChannel.SMTP,
    client_ip: str | None = None,
    client_helo: str | None = None,
) -> int:
    """Entry-point helper: insert and COMMIT in its own transaction; returns the stored id.

    One Core INSERT ... RETURNING: the receiver answers 250 only after this returns, and it runs
    for every message, so it skips the ORM's unit of work.
    """
    table = table_of(InboundMessage)
    stmt = (
        sa.insert(table)
        .values(
            raw=raw,
            received_at=utcnow(),
            channel=str(channel),
            envelope_from=envelope_from[:998],
            envelope_to=list(envelope_to),
            client_ip=client_ip[:45] if client_ip else None,
            client_helo=client_helo[:255] if client_helo else None,
            status=InboundStatus.RECEIVED.value,
        )
        .returning(table.c.id)
    )
    with get_engine().begin() as conn:
        return int(conn.execute(stmt).scalar_one())


def stranded_ids(*, older_than_s: float, limit: int = 500) -> list[int]:
    """Stored messages still unprocessed this long after arrival (their enqueue was lost)."""
    table = table_of(InboundMessage)
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    stmt = (
        sa.select(table.c.id)
        .where(table.c.status == InboundStatus.RECEIVED.value, table.c.received_at < cutoff)
        .order_by(table.c.id)
        .limit(limit)
    )
    with get_engine().connect() as conn:
        return [int(i) for i in conn.execute(stmt).scalars()]


def expire_raw(session: Session, *, now: datetime | None = None) -> int:
    """Clear the raw bytes (and envelope sender) of handled mail older than the retention period.

    Messages still waiting to be processed keep their bytes; the verdict, the inquiry thread and
    the bounce/complaint rows stay. Adds and flushes; returns how many messages were cleared.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=get_settings().inbound_raw_retention_days)
    table = table_of(InboundMessage)
    result = session.execute(
        sa.update(table)
        .where(
            table.c.received_at < cutoff,
            table.c.status != InboundStatus.RECEIVED.value,
            table.c.raw_expired_at.is_(None),
        )
        .values(raw=b"", envelope_from="", raw_expired_at=now)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)

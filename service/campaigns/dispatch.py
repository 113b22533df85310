"""Dispatch: cut queued deliveries into id ranges, one send task per range."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session

from service.models import Delivery, DeliveryStatus
from service.models._common import rowcount, table_of, utcnow


def queued_ranges(
    session: Session,
    *,
    campaign_id: int,
    batch_size: int,
    first_id: int = 0,
    last_id: int | None = None,
) -> Iterator[tuple[int, int]]:
    """Yield (first, last) delivery id ranges of at most batch_size queued rows, by keyset."""
    table = table_of(Delivery)
    after = first_id - 1
    while True:
        query = (
            sa.select(table.c.id)
            .where(
                table.c.campaign_id == campaign_id,
                table.c.status == DeliveryStatus.QUEUED,
                table.c.id > after,
            )
            .order_by(table.c.id)
            .limit(batch_size)
        )
        if last_id is not None:
            query = query.where(table.c.id <= last_id)
        ids = list(session.execute(query).scalars())
        if not ids:
            return
        yield ids[0], ids[-1]
        after = ids[-1]


def release_stale_claims(session: Session, *, campaign_id: int, older_than_s: float) -> int:
    """Put claims of dead workers back in the queue; rows are resent, never skipped."""
    table = table_of(Delivery)
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    stmt = (
        sa.update(table)
        .where(
            table.c.campaign_id == campaign_id,
            table.c.status == DeliveryStatus.CLAIMED,
            table.c.claimed_at < cutoff,
        )
        .values(status=DeliveryStatus.QUEUED)
    )
    return rowcount(session.execute(stmt))


def open_count(session: Session, *, campaign_id: int) -> int:
    """Deliveries not yet final (queued or claimed)."""
    table = table_of(Delivery)
    return int(
        session.execute(
            sa.select(sa.func.count()).where(
                table.c.campaign_id == campaign_id,
                table.c.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.CLAIMED]),
            )
        ).scalar_one()
    )


def status_counts(session: Session, *, campaign_id: int) -> dict[str, int]:
    """Deliveries per status for a campaign."""
    table = table_of(Delivery)
    rows = session.execute(
        sa.select(table.c.status, sa.func.count())
        .where(table.c.campaign_id == campaign_id)
        .group_by(table.c.status)
    )
    return {status: count for status, count in rows}

"""Claims: take a chunk of queued deliveries atomically and decide who may still get mail."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.audience.segments import deliverable_condition
from service.models import (
    Campaign,
    Delivery,
    DeliveryStatus,
    Subscriber,
)
from service.models._common import table_of, utcnow
from service.models.campaign import CampaignStatus, TrackingMode

D = table_of(Delivery)
S = table_of(Subscriber)


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery with what the message needs."""

    delivery_id: int
    subscriber_id: int
    edition_key: str
    email: str
    name: str | None
    tracking: bool
    aggregate: bool = False


def tracking_for(mode: str, consent: bool) -> tuple[bool, bool]:
    """(tracked, aggregate): per-person only with consent (D4), counts without identity if set."""
    if mode == TrackingMode.AGGREGATE:
        return True, True
    return mode == TrackingMode.CONSENT and consent, False


def campaign_state(conn: Connection, campaign_id: int) -> tuple[CampaignStatus, TrackingMode]:
    """The campaign's status and tracking mode, read fresh."""
    row = conn.execute(
        sa.select(table_of(Campaign).c.status, table_of(Campaign).c.tracking).where(
            table_of(Campaign).c.id == campaign_id
        )
    ).one()
    return CampaignStatus(row[0]), TrackingMode(row[1])


def claim_chunk(
    conn: Connection, *, campaign_id: int, first_id: int, last_id: int, limit: int
) -> list[int]:
    """Atomically claim up to `limit` queued rows of the range, lowest ids first."""
    pick = (
        sa.select(D.c.id)
        .where(
            D.c.campaign_id == campaign_id,
            D.c.status == DeliveryStatus.QUEUED,
            D.c.id.between(first_id, last_id),
        )
        .order_by(D.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    stmt = (
        sa.update(D)
        .where(D.c.id.in_(pick.scalar_subquery()), D.c.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.CLAIMED, claimed_at=utcnow(), attempts=D.c.attempts + 1)
        .returning(D.c.id)
    )
    return sorted(conn.execute(stmt).scalars())


def load_claimed(
    conn: Connection, *, ids: list[int], tracking_mode: str, list_slug: str
) -> tuple[list[Claimed], list[int]]:
    """Split claimed rows into sendable ones and ones whose subscriber left or is suppressed."""
    rows = conn.execute(
        sa.select(
            D.c.id,
            D.c.subscriber_id,
            D.c.edition_key,
            S.c.email,
            S.c.name,
            S.c.tracking_consent,
            deliverable_condition(list_slug).label("deliverable"),
        )
        .join(S, S.c.id == D.c.subscriber_id)
        .where(D.c.id.in_(ids))
        .order_by(D.c.id)
    )
    sendable, gone = [], []
    for row in rows:
        if not row.deliverable:
            gone.append(row.id)
            continue
        tracked, aggregate = tracking_for(tracking_mode, bool(row.tracking_consent))
        sendable.append(
            Claimed(
                row.id, row.subscriber_id, row.edition_key, row.email, row.name, tracked, aggregate
            )
        )
    return sendable, gone


def set_status(conn: Connection, ids: list[int], **values: object) -> None:
    """Set columns on these deliveries (no-op for an empty list)."""
    if ids:
        conn.execute(sa.update(D).where(D.c.id.in_(ids)).values(**values))


def campaign_row(conn: Connection, campaign_id: int) -> Campaign:
    """The campaign as a detached model (no session needed on the send path)."""
    row = conn.execute(
        sa.select(table_of(Campaign)).where(table_of(Campaign).c.id == campaign_id)
    ).one()
    return Campaign.model_validate(dict(row._mapping))


def touch_heartbeat(conn: Connection, *, campaign_id: int) -> None:
    """Record that a worker is making progress on the campaign."""
    table = table_of(Campaign)
    conn.execute(sa.update(table).where(table.c.id == campaign_id).values(heartbeat_at=utcnow()))

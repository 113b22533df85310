"""Fan-out: delivery rows in keyset chunks with a checkpoint on the campaign, all in SQL."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from service.campaigns.assembly import build_plan
from service.campaigns.lifecycle import get_campaign
from service.models import Delivery, DeliveryStatus, Subscriber
from service.models._common import table_of, utcnow
from service.models.campaign import CampaignStatus


@dataclass(frozen=True)
class FanoutStep:
    """What one chunk did: delivery ids it created, new edition keys, and whether it was last."""

    inserted: int
    first_delivery_id: int | None
    last_delivery_id: int | None
    edition_keys: tuple[str, ...]
    done: bool


def _insert_for(dialect: str) -> type:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert  # type: ignore[return-value]


def fan_out_chunk(session: Session, *, campaign_id: int, chunk_size: int) -> FanoutStep:
    """Create the deliveries for the next `chunk_size` subscriber ids; idempotent per chunk."""
    campaign = get_campaign(session, campaign_id=campaign_id, lock=True)
    if campaign.status != CampaignStatus.SENDING or campaign.fanout_done:
        return FanoutStep(0, None, None, (), True)
    plan = build_plan(session, campaign=campaign, at=campaign.send_at or utcnow())
    cursor = campaign.fanout_cursor
    upper = session.execute(
        sa.select(col(Subscriber.id))
        .where(col(Subscriber.id) > cursor)
        .order_by(col(Subscriber.id))
        .offset(chunk_size - 1)
        .limit(1)
    ).scalar()
    done = upper is None
    if upper is None:
        upper = session.execute(sa.select(sa.func.max(col(Subscriber.id)))).scalar() or cursor
    window = sa.and_(col(Subscriber.id) > cursor, col(Subscriber.id) <= upper)
    source = sa.select(
        sa.literal(campaign_id),
        col(Subscriber.id),
        plan.edition_key,
        sa.literal(DeliveryStatus.QUEUED.value),
        sa.literal(0),
    ).where(window, plan.audience)
    table = table_of(Delivery)
    insert = _insert_for(session.get_bind().dialect.name)(table)
    stmt = insert.from_select(
        ["campaign_id", "subscriber_id", "edition_key", "status", "attempts"], source
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["campaign_id", "subscriber_id"]))
    first, last, count = session.execute(
        sa.select(sa.func.min(table.c.id), sa.func.max(table.c.id), sa.func.count()).where(
            table.c.campaign_id == campaign_id,
            table.c.subscriber_id > cursor,
            table.c.subscriber_id <= upper,
        )
    ).one()
    keys = session.execute(
        sa.select(table.c.edition_key)
        .distinct()
        .where(
            table.c.campaign_id == campaign_id,
            table.c.subscriber_id > cursor,
            table.c.subscriber_id <= upper,
        )
    ).scalars()
    campaign.fanout_cursor, campaign.fanout_done, campaign.heartbeat_at = upper, done, utcnow()
    session.add(campaign)
    session.flush()
    return FanoutStep(count, first, last, tuple(sorted(keys)), done)

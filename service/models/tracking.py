"""Tracking events: opens and clicks, flagged when a machine (proxy, scanner) made them.

Written only by the ingestion worker (service.tracking.ingest) from the Redis buffer. `event_id`
is the buffer's entry id: unique, so a batch replayed after a crash inserts nothing twice.
subscriber_id is NULL for aggregate-only tracking, withdrawn consent and erased subscribers.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class TrackingKind(StrEnum):
    """What was tracked."""

    OPEN = "open"
    CLICK = "click"


class TrackingEvent(SQLModel, table=True):
    """One open or click; subscriber_id is cleared when the subscriber is erased."""

    __tablename__ = "tracking_event"
    __table_args__ = (
        # Engagement rules ask "did subscriber X do a human <kind> since T?".
        sa.Index("ix_tracking_event_subscriber_kind_time", "subscriber_id", "kind", "occurred_at"),
        sa.Index("ix_tracking_event_campaign_kind", "campaign_id", "kind"),
        sa.UniqueConstraint("event_id", name="uq_tracking_event_event_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str | None = Field(default=None, max_length=40)
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    subscriber_id: int | None = Field(
        default=None, foreign_key="subscriber.id", ondelete="SET NULL"
    )
    kind: str = Field(max_length=8)
    link_index: int | None = None
    edition_key: str | None = Field(default=None, max_length=80)
    machine: bool = False
    reason: str = Field(default="", max_length=32)
    user_agent: str = Field(default="", max_length=500)
    ip: str | None = Field(default=None, max_length=45)
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

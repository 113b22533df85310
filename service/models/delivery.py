"""Deliveries: the one truth about who got what; unique per (campaign, subscriber)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import ts_column


class DeliveryStatus(StrEnum):
    """Claim, send, mark: queued -> claimed -> sent | failed | skipped."""

    QUEUED = "queued"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


FINAL_DELIVERY_STATES = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED}
)


class Delivery(SQLModel, table=True):
    """One message of one campaign to one subscriber."""

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "subscriber_id", name="uq_delivery_campaign_subscriber"),
        sa.Index("ix_delivery_campaign_status_id", "campaign_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", ondelete="CASCADE")
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    edition_key: str = Field(max_length=80)
    status: DeliveryStatus = Field(default=DeliveryStatus.QUEUED, sa_type=sa.String(16))
    message_id: str | None = Field(default=None, max_length=200, index=True)
    attempts: int = 0
    last_error: str | None = None
    claimed_at: datetime | None = Field(default=None, sa_column=ts_column())
    sent_at: datetime | None = Field(default=None, sa_column=ts_column())
    # a hard-bounce DSN matched to this delivery after the relay had accepted it
    bounced_at: datetime | None = Field(default=None, sa_column=ts_column())

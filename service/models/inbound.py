"""Inbound mail: raw bytes stored first, then the verdict; bounce scores and sender alerts."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class InboundStatus(StrEnum):
    """Where an inbound message stands."""

    RECEIVED = "received"
    PROCESSED = "processed"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"  # the same Message-ID to the same addresses was processed already


class InboundChannel(StrEnum):
    """How the message reached us."""

    SMTP = "smtp"
    IMAP = "imap"
    HTTP = "http"


class InboundMessage(SQLModel, table=True):
    """One received message; `raw` is committed before anything else happens to it."""

    id: int | None = Field(default=None, primary_key=True)
    raw: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    channel: str = Field(default=InboundChannel.SMTP, max_length=8)
    envelope_from: str = Field(default="", max_length=998)
    envelope_to: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    # the SMTP client and its HELO name, for our own SPF evaluation (None: IMAP, webhook)
    client_ip: str | None = Field(default=None, max_length=45)
    client_helo: str | None = Field(default=None, max_length=255)
    status: InboundStatus = Field(default=InboundStatus.RECEIVED, sa_type=sa.String(16), index=True)
    quarantine_reason: str | None = Field(default=None, max_length=2000)
    verdict: dict[str, Any] | None = Field(default=None, sa_column=json_column())
    processed_at: datetime | None = Field(default=None, sa_column=ts_column())
    # the Message-ID header, set when processed: a re-delivered copy is processed once
    header_message_id: str | None = Field(default=None, max_length=500, index=True)
    # whose message it is (or is about), set when processing knows: export and erasure walk it
    subscriber_id: int | None = Field(default=None, foreign_key="subscriber.id", index=True)
    # when retention cleared `raw` (settings.inbound_raw_retention_days); metadata stays
    raw_expired_at: datetime | None = Field(default=None, sa_column=ts_column())


class BounceScore(SQLModel, table=True):
    """Mailman-style bounce score per subscriber (STANDARDS F3)."""

    subscriber_id: int = Field(foreign_key="subscriber.id", primary_key=True, ondelete="CASCADE")
    score: float = 0.0
    last_bounce_on: date | None = None
    disabled_at: datetime | None = Field(default=None, sa_column=ts_column())
    notices_sent: int = 0
    last_notice_at: datetime | None = Field(default=None, sa_column=ts_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class SenderAlert(SQLModel, table=True):
    """A policy/reputation rejection (5.7.x, 4.7.x): the sender's problem, for the admins."""

    id: int | None = Field(default=None, primary_key=True)
    inbound_message_id: int | None = Field(default=None, foreign_key="inboundmessage.id")
    campaign_id: int | None = Field(default=None, index=True)
    # set only for rejections matched to one of our deliveries; pauses count distinct domains
    delivery_id: int | None = Field(default=None, index=True)
    recipient_domain: str | None = Field(default=None, max_length=255)
    status_code: str | None = Field(default=None, max_length=16)
    detail: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class ComplaintEvent(SQLModel, table=True):
    """One user-reported complaint (ARF abuse/fraud/...), counted per campaign and day (F4)."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int | None = Field(default=None, index=True)
    # a foreign key, so export and erasure find it (erasure keeps the row, unlinked, for rates)
    subscriber_id: int | None = Field(default=None, foreign_key="subscriber.id", index=True)
    # the delivery complained about: unique, so one delivery counts at most once (F4)
    delivery_id: int | None = Field(default=None, unique=True, index=True)
    feedback_type: str = Field(default="abuse", max_length=32)
    inbound_message_id: int | None = Field(default=None, foreign_key="inboundmessage.id")
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=ts_column(nullable=False, index=True)
    )


class DeliveryFeedback(SQLModel, table=True):
    """A bounce or complaint acted on, once per (delivery, effect): replays change nothing."""

    __table_args__ = (
        sa.UniqueConstraint("delivery_id", "effect", name="uq_delivery_feedback_effect"),
    )

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", ondelete="CASCADE")
    effect: str = Field(max_length=16)  # hard, soft, policy, complaint, opt-out
    inbound_message_id: int | None = Field(default=None, foreign_key="inboundmessage.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

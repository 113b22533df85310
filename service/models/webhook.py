"""Outgoing webhooks: subscribed endpoints and the log of every delivery attempt series."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class WebhookStatus(StrEnum):
    """pending -> delivered | (retries) -> dead; replay puts dead ones back to pending."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class WebhookEndpoint(SQLModel, table=True):
    """A receiver: URL, signing secret, the event types it wants (empty = all)."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    secret: str = Field(max_length=200)
    event_types: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    active: bool = True
    description: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint, with its attempts; the row is the retry schedule and the log."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id", index=True, ondelete="CASCADE")
    event_type: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    status: WebhookStatus = Field(default=WebhookStatus.PENDING, sa_type=sa.String(16))
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    delivered_at: datetime | None = Field(default=None, sa_column=ts_column())

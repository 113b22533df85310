"""Inquiries: subscriber replies routed to a coordinator; and the acknowledgement log (C3)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class InquiryState(StrEnum):
    """Lifecycle of a subscriber's question."""

    NEW = "new"
    FORWARDED = "forwarded"
    ANSWERED = "answered"
    CLOSED = "closed"


class Inquiry(SQLModel, table=True):
    """A question about an announcement or edition, and where it stands."""

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int | None = Field(default=None, foreign_key="subscriber.id", index=True)
    campaign_id: int | None = Field(default=None, index=True)
    announcement_id: int | None = Field(default=None, foreign_key="announcement.id")
    coordinator_id: int | None = Field(default=None, foreign_key="coordinator.id", index=True)
    state: InquiryState = Field(default=InquiryState.NEW, sa_type=sa.String(16), index=True)
    text: str = ""
    language: str = Field(default="en", max_length=2)
    subject: str = Field(default="", max_length=500)
    subscriber_message_id: str = Field(default="", max_length=500)
    handoff_message_id: str = Field(default="", max_length=500)
    inbound_message_id: int | None = Field(default=None, foreign_key="inboundmessage.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    forwarded_at: datetime | None = Field(default=None, sa_column=ts_column())
    answered_at: datetime | None = Field(default=None, sa_column=ts_column())
    reminded_at: datetime | None = Field(default=None, sa_column=ts_column())


class AckLog(SQLModel, table=True):
    """When we last acknowledged a sender: at most one acknowledgement per sender per 7 days."""

    email_hash: str = Field(max_length=64, primary_key=True)
    sent_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

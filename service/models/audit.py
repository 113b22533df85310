"""The audit log: who did what to which object, and when; append-only by convention."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class AuditEvent(SQLModel, table=True):
    """One action; actor None = the system (a worker, the CLI without a user)."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="newsroom_user.id", ondelete="SET NULL")
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

"""One suppression list for unsubscribes, bounces, complaints and erasures, keyed by a hash."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class SuppressionReason(StrEnum):
    """Why an address may not be mailed."""

    UNSUBSCRIBED = "unsubscribed"
    HARD_BOUNCE = "hard_bounce"
    COMPLAINT = "complaint"
    ERASED = "erased"
    ADMIN = "admin"
    BOUNCING = "bouncing"  # removed after the bounce notices went unheeded (F3)


class Suppression(SQLModel, table=True):
    """HMAC of the normalised address; the plaintext is never needed to enforce it."""

    id: int | None = Field(default=None, primary_key=True)
    email_hash: str = Field(max_length=64, unique=True, index=True)
    reason: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

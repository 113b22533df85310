"""Server-side newsroom sessions: the cookie holds a random id, the table only its hash.

Server-side rather than signed cookies because logout, disabling a user and a password reset
must end sessions at once, which a signed cookie cannot do before it expires.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class WebSession(SQLModel, table=True):
    """One login; `pending_totp` sessions have passed the password but not the second factor."""

    __tablename__ = "web_session"
    __table_args__ = (sa.Index("ix_web_session_expires", "expires_at"),)

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(max_length=64, unique=True)  # hex sha256 of the cookie value
    user_id: int = Field(foreign_key="newsroom_user.id", index=True, ondelete="CASCADE")
    csrf_secret: str = Field(max_length=64)
    pending_totp: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    expires_at: datetime = Field(sa_column=ts_column(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

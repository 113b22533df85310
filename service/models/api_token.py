"""Per-user API tokens: only a SHA-256 of the secret is stored, with scopes and last use."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class ApiToken(SQLModel, table=True):
    """A bearer token of one user; scopes are permission names (service.accounts.permissions)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="newsroom_user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)  # hex sha256 of the random secret
    scopes: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=ts_column())
    revoked_at: datetime | None = Field(default=None, sa_column=ts_column())

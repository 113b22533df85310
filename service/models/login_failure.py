"""Failed logins, counted per key when no Redis is configured (service.accounts.throttle)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class LoginFailure(SQLModel, table=True):
    """One failed attempt; key is 'account:<email>' or 'net:<client network>'."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=400, index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

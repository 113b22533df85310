"""Dead letters: work that failed unexpectedly, kept for inspection and replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class DeadLetter(SQLModel, table=True):
    """A task call that could not complete, with its arguments and error."""

    id: int | None = Field(default=None, primary_key=True)
    task: str = Field(max_length=200)
    args: dict[str, Any] = Field(sa_column=json_column(nullable=False))
    error: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    replayed_at: datetime | None = Field(default=None, sa_column=ts_column())

"""Column helpers shared by the table modules."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Timezone-aware now in UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def json_column(**kwargs: Any) -> sa.Column[Any]:
    """A JSON column (JSONB on PostgreSQL)."""
    return sa.Column(JSONType, **kwargs)


def ts_column(**kwargs: Any) -> sa.Column[Any]:
    """A timezone-aware timestamp column."""
    return sa.Column(sa.DateTime(timezone=True), **kwargs)


def rowcount(result: Any) -> int:
    """Rows touched by a DML statement (Session.execute is typed as a plain Result)."""
    return int(result.rowcount)


def table_of(model: type[Any]) -> sa.Table:
    """The Core table behind a SQLModel class (typed, for Core statements)."""
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table

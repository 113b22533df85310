"""Subscriber search for the newsroom: filters that indexes serve, keyset pages by id.

Why these indexes (PostgreSQL, 1,000,000 subscribers):
- email prefix: `email LIKE 'abc%'` is a range scan on a btree with text_pattern_ops (the
  unique index on email uses the database collation and cannot serve LIKE under a non-C locale);
- email or name contains: `LIKE '%abc%'` / `ILIKE` use a GIN pg_trgm index; trigrams need three
  characters, so shorter "contains" terms are refused with a message instead of a full scan;
- attributes: the segment compiler's `attributes @> {...}` uses the existing GIN jsonb_path_ops;
- status: ix_subscriber_status_id; pages are `id > last_id ORDER BY id LIMIT n` (keyset), so a
  page costs the same at the end of the audience as at its start and rows inserted meanwhile
  never shift or duplicate what the reader has seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.audience.segments import dialect_of
from service.domain.segment_ast import ATTRIBUTES
from service.domain.segment_rules import compile_rule
from service.errors import InvalidInput
from service.models import Subscriber

MIN_CONTAINS = 3
MAX_PAGE = 200
EMAIL_MODES = ("prefix", "contains", "exact")


@dataclass(frozen=True)
class SubscriberQuery:
    """What the reader typed; empty fields do not filter."""

    email: str = ""
    email_mode: str = "prefix"
    name: str = ""
    attribute: str = ""
    value: str = ""
    status: str = ""


@dataclass(frozen=True)
class SubscriberPage:
    """One page; `next_after` is the id to continue after (None: this was the last page)."""

    rows: list[Subscriber]
    next_after: int | None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _email_condition(query: SubscriberQuery) -> sa.ColumnElement[bool] | None:
    term = query.email.strip().lower()
    if not term:
        return None
    if query.email_mode not in EMAIL_MODES:
        raise InvalidInput(f"email_mode: expected one of {', '.join(EMAIL_MODES)}")
    if query.email_mode == "exact":
        return col(Subscriber.email) == term
    if query.email_mode == "contains":
        if len(term) < MIN_CONTAINS:
            raise InvalidInput(f"email: 'contains' needs at least {MIN_CONTAINS} characters")
        return col(Subscriber.email).like(f"%{_escape_like(term)}%", escape="\\")
    return col(Subscriber.email).like(f"{_escape_like(term)}%", escape="\\")


def _attribute_condition(query: SubscriberQuery, dialect: str) -> sa.ColumnElement[bool] | None:
    if not query.attribute:
        return None
    kind = ATTRIBUTES.get(query.attribute)
    if kind is None:
        raise InvalidInput(f"attribute: unknown, expected one of {', '.join(sorted(ATTRIBUTES))}")
    if not query.value.strip():
        raise InvalidInput("value: give the attribute value to look for")
    op = "contains" if kind == "list" else "eq"
    return compile_rule({"attr": query.attribute, op: query.value.strip()}, dialect=dialect)


def conditions(session: Session, query: SubscriberQuery) -> list[sa.ColumnElement[bool]]:
    """The WHERE parts for `query` (validated; errors name the field)."""
    parts = [_email_condition(query), _attribute_condition(query, dialect_of(session))]
    name = query.name.strip()
    if name:
        if len(name) < MIN_CONTAINS:
            raise InvalidInput(f"name: give at least {MIN_CONTAINS} characters")
        parts.append(col(Subscriber.name).ilike(f"%{_escape_like(name)}%", escape="\\"))
    if query.status:
        parts.append(col(Subscriber.status) == query.status)
    return [p for p in parts if p is not None]


def search_subscribers(
    session: Session, *, query: SubscriberQuery, after: int | None = None, limit: int = 50
) -> SubscriberPage:
    """Matching subscribers in id order, `limit` per page, continuing after id `after`."""
    limit = max(1, min(limit, MAX_PAGE))
    stmt = select(Subscriber).where(*conditions(session, query))
    if after is not None:
        stmt = stmt.where(col(Subscriber.id) > after)
    rows = list(session.exec(stmt.order_by(col(Subscriber.id)).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return SubscriberPage(rows, rows[-1].id if more and rows else None)

"""Compile a parsed segment rule into a SQLAlchemy boolean over the subscriber table.

Every rule value is a bound parameter, so no value can change the statement's structure.
Every leaf is NULL-free (a missing attribute gives false, never NULL), so `not` and exclusion
segments mean what they say under SQL's three-valued logic.
PostgreSQL: attribute tests are JSONB containment (`attributes @> '{"k": v}'`), which the GIN
jsonb_path_ops index on subscriber.attributes serves. SQLite: json_extract / json_each.
Topic tests read `segment_topics`, the narrow copy of attributes.topics the database keeps:
with language and status it is in one covering index, so a topic x language count is an
index-only scan on PostgreSQL (issue 11).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from service.domain.segment_ast import (
    AllOf,
    AnyOf,
    AttrContains,
    AttrEq,
    AttrExists,
    AttrIn,
    ClickedWithin,
    LanguageIs,
    NeverOpened,
    Node,
    Not,
    SubscribedBetween,
)
from service.errors import InvalidInput
from service.models._common import table_of
from service.models.subscriber import Subscriber, topics_needle
from service.models.tracking import TrackingEvent, TrackingKind

DIALECTS = ("sqlite", "postgresql")

subscriber_t: sa.Table = table_of(Subscriber)
event_t: sa.Table = table_of(TrackingEvent)


def _flag(value: bool) -> ColumnElement[bool]:
    """A boolean rule value as a bound parameter, so true/false share one statement text."""
    return sa.bindparam(None, value, type_=sa.Boolean)


def to_sql(node: Node, *, dialect: str, now: datetime) -> ColumnElement[bool]:
    """The WHERE clause for `node` on `dialect`; `now` anchors the engagement windows."""
    if dialect not in DIALECTS:
        raise InvalidInput(f"dialect: expected one of {', '.join(DIALECTS)}, got {dialect!r}")
    return _Compiler(dialect, now).node(node)


class _Compiler:
    """One compilation: dispatch per node type."""

    def __init__(self, dialect: str, now: datetime) -> None:
        self.pg = dialect == "postgresql"
        self.now = now
        self.attrs = subscriber_t.c.attributes

    def node(self, node: Node) -> ColumnElement[bool]:
        """Compile any node."""
        match node:
            case AllOf(parts):
                return sa.and_(sa.true(), *(self.node(p) for p in parts))
            case AnyOf(parts):
                return sa.or_(sa.false(), *(self.node(p) for p in parts))
            case Not(part):
                return sa.not_(self.node(part))
            case AttrEq(name, value):
                return self.attr_eq(name, value)
            case AttrIn(name, values):
                if self.pg:
                    return sa.or_(*(self.contains_json({name: v}) for v in values))
                return sa.func.coalesce(self.extract(name).in_(values), sa.false())
            case AttrContains("topics", value):
                return self.has_topic(value)
            case AttrContains(name, value):
                return (
                    self.contains_json({name: [value]}) if self.pg else self.list_has(name, value)
                )
            case AttrExists(name, present):
                return self.exists(name) == _flag(present)
            case LanguageIs(value):
                return subscriber_t.c.language == sa.bindparam(None, value, type_=sa.String)
            case SubscribedBetween(after, before):
                return self.subscribed(after, before)
            case ClickedWithin(days):
                since = self.now - timedelta(days=days)
                return self.human_event(TrackingKind.CLICK, since=since)
            case NeverOpened(never):
                opened = self.human_event(TrackingKind.OPEN, since=None)
                return opened == _flag(not never)
        raise InvalidInput(f"rule: cannot compile {type(node).__name__}")  # pragma: no cover

    def attr_eq(self, name: str, value: str) -> ColumnElement[bool]:
        """A single-valued attribute equals value, type-exact."""
        if self.pg:
            return self.contains_json({name: value})
        return sa.func.coalesce(self.extract(name) == value, sa.false())

    def has_topic(self, value: str) -> ColumnElement[bool]:
        """attributes.topics holds the string value: a case-sensitive substring test."""
        column = subscriber_t.c.segment_topics
        needle = sa.bindparam(None, topics_needle(value), type_=sa.String)
        position = sa.func.strpos(column, needle) if self.pg else sa.func.instr(column, needle)
        return position > 0

    def contains_json(self, obj: dict[str, Any]) -> ColumnElement[bool]:
        """PostgreSQL `attributes @> :obj` (GIN jsonb_path_ops); attributes is NOT NULL."""
        return self.attrs.op("@>", return_type=sa.Boolean)(sa.bindparam(None, obj, type_=JSONB))

    def extract(self, name: str) -> ColumnElement[Any]:
        """SQLite json_extract of one top-level attribute (SQL NULL when missing)."""
        return sa.func.json_extract(self.attrs, f"$.{name}")

    def list_has(self, name: str, value: str) -> ColumnElement[bool]:
        """SQLite: the attribute is a JSON array with an element equal to value."""
        path = f"$.{name}"
        each = sa.func.json_each(self.attrs, path).table_valued("value")
        is_array = sa.func.coalesce(sa.func.json_type(self.attrs, path), "") == "array"
        return sa.and_(is_array, sa.exists().select_from(each).where(each.c.value == value))

    def exists(self, name: str) -> ColumnElement[bool]:
        """The attribute is present with a non-null value."""
        if self.pg:
            typ = sa.func.jsonb_typeof(self.attrs.op("->", return_type=JSONB)(name))
        else:
            typ = sa.func.json_type(self.attrs, f"$.{name}")
        return sa.func.coalesce(typ, "null") != "null"

    def subscribed(self, after: datetime | None, before: datetime | None) -> ColumnElement[bool]:
        """created_at within [after, before)."""
        created = subscriber_t.c.created_at
        conds = [created >= after] if after else []
        conds += [created < before] if before else []
        return sa.and_(*conds)

    def human_event(self, kind: str, *, since: datetime | None) -> ColumnElement[bool]:
        """EXISTS a non-machine event of `kind` for this subscriber (since `since`)."""
        conds = [
            event_t.c.subscriber_id == subscriber_t.c.id,
            event_t.c.kind == kind,
            event_t.c.machine == sa.false(),
        ]
        if since is not None:
            conds.append(event_t.c.occurred_at >= since)
        return sa.exists().where(*conds)

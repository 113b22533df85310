"""Evaluate a parsed segment rule in plain Python: the reference the SQL must agree with."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

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
from service.models._common import as_utc
from service.models.tracking import TrackingKind


def evaluate(node: Node, subscriber: Any, *, now: datetime, events: Iterable[Any]) -> bool:
    """True when `subscriber` matches; `events` are TrackingEvent-like rows (any subscriber)."""
    own = [e for e in events if e.subscriber_id == subscriber.id and not e.machine]
    return _Evaluator(subscriber, now, own).node(node)


class _Evaluator:
    """One evaluation against one subscriber and their human events."""

    def __init__(self, subscriber: Any, now: datetime, events: list[Any]) -> None:
        self.sub = subscriber
        self.attrs: dict[str, Any] = (
            subscriber.attributes if isinstance(subscriber.attributes, dict) else {}
        )
        self.now = now
        self.events = events

    def node(self, node: Node) -> bool:
        """Evaluate any node."""
        match node:
            case AllOf(parts):
                return all(self.node(p) for p in parts)
            case AnyOf(parts):
                return any(self.node(p) for p in parts)
            case Not(part):
                return not self.node(part)
            case AttrEq(name, value):
                return _same(self.attrs.get(name), value)
            case AttrIn(name, values):
                return any(_same(self.attrs.get(name), v) for v in values)
            case AttrContains(name, value):
                items = self.attrs.get(name)
                return isinstance(items, list) and any(_same(i, value) for i in items)
            case AttrExists(name, present):
                return (self.attrs.get(name) is not None) == present
            case LanguageIs(value):
                return bool(self.sub.language == value)
            case SubscribedBetween(after, before):
                created = as_utc(self.sub.created_at)
                assert created is not None
                return (after is None or created >= after) and (before is None or created < before)
            case ClickedWithin(days):
                since = self.now - timedelta(days=days)
                return self.has_event(TrackingKind.CLICK, since)
            case NeverOpened(never):
                return self.has_event(TrackingKind.OPEN, None) != never
        raise TypeError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover

    def has_event(self, kind: str, since: datetime | None) -> bool:
        """A human event of `kind` at or after `since`."""
        return any(
            e.kind == kind and (since is None or _utc(e.occurred_at) >= since) for e in self.events
        )


def _same(stored: Any, value: str) -> bool:
    """Type-exact equality, like JSONB containment and SQLite's untyped comparison."""
    return isinstance(stored, str) and stored == value


def _utc(moment: datetime) -> datetime:
    """Events read back from SQLite are naive UTC."""
    result = as_utc(moment)
    assert result is not None
    return result

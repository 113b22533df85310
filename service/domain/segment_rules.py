"""The segment rule language: validate, compile to SQL, or evaluate in Python.

Rules are JSON data (see `service.domain.segment_ast` for the grammar). Saved segments stay
rules and are compiled at send time, so they are always evaluated against current data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from service.domain.segment_ast import ATTRIBUTES, Node, parse_rule
from service.domain.segment_eval import evaluate
from service.domain.segment_sql import DIALECTS, to_sql
from service.models._common import utcnow

__all__ = ["ATTRIBUTES", "DIALECTS", "compile_rule", "evaluate_rule", "parse_rule", "validate_rule"]


def validate_rule(rule: Any) -> None:
    """Raise InvalidInput with a path like `rule.all[2].attr` when the rule is not valid."""
    parse_rule(rule)


def compile_rule(rule: Any, *, dialect: str, now: datetime | None = None) -> ColumnElement[bool]:
    """A boolean over the subscriber table; `now` (default: current UTC) anchors 'within N days'."""
    node: Node = parse_rule(rule)
    return to_sql(node, dialect=dialect, now=now or utcnow())


def evaluate_rule(rule: Any, subscriber: Any, *, now: datetime, events: Iterable[Any] = ()) -> bool:
    """Plain-Python evaluation of `rule` for one subscriber and tracking events."""
    return evaluate(parse_rule(rule), subscriber, now=now, events=events)

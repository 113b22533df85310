"""Segment rules as data: parse the JSON rule language into a typed tree, or say where it is wrong.

Grammar (every node is a JSON object):
  {"all": [r, ...]}  {"any": [r, ...]}  {"not": r}
  {"attr": NAME, "eq": STR}  {"attr": NAME, "in": [STR, ...]}
  {"attr": LIST_NAME, "contains": STR}  {"attr": NAME, "exists": BOOL}
  {"language": "de"|"en"}  {"topic": STR}  {"career_stage": STR | [STR, ...]}
  {"city": ...} {"institution": ...} {"country": ...} {"department": ...}  (same as career_stage)
  {"subscribed": {"after": ISO, "before": ISO}}  (either or both; after inclusive, before not)
  {"clicked_within_days": INT}  {"never_opened": BOOL}   (human events only)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from service.errors import InvalidInput
from service.models.subscriber import Language

# The fixed attribute registry: name -> "str" (one value) or "list" (list of strings).
ATTRIBUTES: dict[str, str] = {
    "career_stage": "str",
    "role": "str",
    "institution": "str",
    "city": "str",
    "country": "str",
    "department": "str",
    "topics": "list",
}
MAX_STRING = 200
MAX_LIST = 100
MAX_DEPTH = 20
MAX_DAYS = 3650


@dataclass(frozen=True)
class AllOf:
    """Every part matches (empty: everyone)."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one part matches (empty: nobody)."""

    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The part does not match."""

    part: Node


@dataclass(frozen=True)
class AttrEq:
    """A single-valued attribute equals a value."""

    name: str
    value: str


@dataclass(frozen=True)
class AttrIn:
    """A single-valued attribute is one of the values."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class AttrContains:
    """A list attribute contains the value."""

    name: str
    value: str


@dataclass(frozen=True)
class AttrExists:
    """The attribute is present and not null (or, with present=False, absent or null)."""

    name: str
    present: bool


@dataclass(frozen=True)
class LanguageIs:
    """The subscriber's edition language."""

    value: str


@dataclass(frozen=True)
class SubscribedBetween:
    """created_at >= after and/or created_at < before (UTC)."""

    after: datetime | None
    before: datetime | None


@dataclass(frozen=True)
class ClickedWithin:
    """At least one human click in the last `days` days."""

    days: int


@dataclass(frozen=True)
class NeverOpened:
    """No human open at all (or, with never=False, at least one)."""

    never: bool


Node = (
    AllOf
    | AnyOf
    | Not
    | AttrEq
    | AttrIn
    | AttrContains
    | AttrExists
    | LanguageIs
    | SubscribedBetween
    | ClickedWithin
    | NeverOpened
)

ATTR_OPERATORS = ("eq", "in", "contains", "exists")
SHORTHAND_ATTRS = ("career_stage", "institution", "city", "country", "department")


def parse_rule(rule: Any, path: str = "rule", depth: int = 0) -> Node:
    """Parse one rule node; raise InvalidInput naming the JSON path of the first problem."""
    if depth > MAX_DEPTH:
        raise InvalidInput(f"{path}: rule nested deeper than {MAX_DEPTH} levels")
    if not isinstance(rule, dict):
        raise InvalidInput(f"{path}: a rule must be an object, got {_kind(rule)}")
    if "attr" in rule:
        return _parse_attr(rule, path)
    if len(rule) != 1:
        keys = ", ".join(sorted(map(str, rule))) or "none"
        raise InvalidInput(f"{path}: a rule must have exactly one key, got {keys}")
    key, value = next(iter(rule.items()))
    sub = f"{path}.{key}"
    if key in ("all", "any"):
        items = _list(value, sub, allow_empty=True)
        parts = tuple(parse_rule(r, f"{sub}[{i}]", depth + 1) for i, r in enumerate(items))
        return AllOf(parts) if key == "all" else AnyOf(parts)
    if key == "not":
        return Not(parse_rule(value, sub, depth + 1))
    return _parse_shorthand(key, value, sub)


def _parse_shorthand(key: str, value: Any, path: str) -> Node:
    """The one-key leaf forms: language, topic, scalar attributes, time and engagement."""
    if key == "language":
        return LanguageIs(_language(value, path))
    if key == "topic":
        return AttrContains("topics", _string(value, path))
    if key in SHORTHAND_ATTRS:
        if isinstance(value, list):
            return AttrIn(key, _strings(value, path))
        return AttrEq(key, _string(value, path))
    if key == "subscribed":
        return _parse_subscribed(value, path)
    if key == "clicked_within_days":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_DAYS:
            raise InvalidInput(f"{path}: expected a whole number of days 1..{MAX_DAYS}")
        return ClickedWithin(value)
    if key == "never_opened":
        return NeverOpened(_bool(value, path))
    raise InvalidInput(f"{path.rpartition('.')[0]}: unknown rule key {key!r}")


def _parse_attr(rule: dict[str, Any], path: str) -> Node:
    """{"attr": NAME, OP: VALUE} with the operator allowed for the attribute's type."""
    name = rule["attr"]
    if not isinstance(name, str) or name not in ATTRIBUTES:
        known = ", ".join(sorted(ATTRIBUTES))
        raise InvalidInput(f"{path}.attr: unknown attribute {name!r} (known: {known})")
    ops = [k for k in rule if k != "attr"]
    if len(ops) != 1:
        got = ", ".join(sorted(map(str, ops))) or "none"
        raise InvalidInput(
            f"{path}: expected one operator of {', '.join(ATTR_OPERATORS)}, got {got}"
        )
    op, value = ops[0], rule[ops[0]]
    sub = f"{path}.{op}"
    kind = ATTRIBUTES[name]
    if op == "exists":
        return AttrExists(name, _bool(value, sub))
    if op == "contains" and kind == "list":
        return AttrContains(name, _string(value, sub))
    if op == "eq" and kind == "str":
        return AttrEq(name, _string(value, sub))
    if op == "in" and kind == "str":
        return AttrIn(name, _strings(value, sub))
    if op in ATTR_OPERATORS:
        raise InvalidInput(f"{sub}: operator {op!r} does not apply to {kind} attribute {name!r}")
    raise InvalidInput(f"{path}: unknown operator {op!r} (known: {', '.join(ATTR_OPERATORS)})")


def _parse_subscribed(value: Any, path: str) -> SubscribedBetween:
    """{"after": ISO, "before": ISO}: at least one bound."""
    if not isinstance(value, dict) or not value:
        raise InvalidInput(f"{path}: expected an object with 'after' and/or 'before'")
    unknown = set(value) - {"after", "before"}
    if unknown:
        raise InvalidInput(f"{path}: unknown key {sorted(map(str, unknown))[0]!r}")
    bounds = {k: _instant(v, f"{path}.{k}") for k, v in value.items()}
    return SubscribedBetween(bounds.get("after"), bounds.get("before"))


def _instant(value: Any, path: str) -> datetime:
    """An ISO date (midnight UTC) or datetime (naive = UTC), returned in UTC."""
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    raise InvalidInput(f"{path}: expected an ISO date like 2026-01-31, got {value!r}")


def _string(value: Any, path: str) -> str:
    """A non-empty string without NUL (PostgreSQL JSONB cannot hold NUL)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{path}: expected a string, got {_kind(value)}")
    if not value or len(value) > MAX_STRING or "\x00" in value:
        raise InvalidInput(f"{path}: expected 1..{MAX_STRING} characters without NUL")
    return value


def _strings(value: Any, path: str) -> tuple[str, ...]:
    """A non-empty list of strings."""
    items = _list(value, path, allow_empty=False)
    return tuple(_string(v, f"{path}[{i}]") for i, v in enumerate(items))


def _list(value: Any, path: str, *, allow_empty: bool) -> list[Any]:
    """A JSON array of bounded length."""
    if not isinstance(value, list):
        raise InvalidInput(f"{path}: expected a list, got {_kind(value)}")
    if not value and not allow_empty:
        raise InvalidInput(f"{path}: expected at least one value")
    if len(value) > MAX_LIST:
        raise InvalidInput(f"{path}: at most {MAX_LIST} entries")
    return value


def _bool(value: Any, path: str) -> bool:
    """A JSON boolean."""
    if not isinstance(value, bool):
        raise InvalidInput(f"{path}: expected true or false, got {_kind(value)}")
    return value


def _language(value: Any, path: str) -> str:
    """One of the edition languages."""
    allowed = [lang.value for lang in Language]
    if value not in allowed:
        raise InvalidInput(f"{path}: expected one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def _kind(value: Any) -> str:
    """JSON name of a value's type, for messages."""
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "list"}
    names |= {dict: "object", type(None): "null"}
    return names.get(type(value), type(value).__name__)

"""Segment rule validation messages and SQL structure independence from values."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from service.domain.segment_rules import compile_rule, evaluate_rule, validate_rule
from service.errors import InvalidInput
from service.models.subscriber import Subscriber
from tests.segment_strategies import NOW, revalue, rules

DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"all": [{"language": "de"}, {"topic": "x"}, {"attr": "carer_stage", "eq": "phd"}]},
            "rule.all[2].attr: unknown attribute 'carer_stage'",
        ),
        ({"any": [{"not": {"foo": 1}}]}, "rule.any[0].not: unknown rule key 'foo'"),
        ({"attr": "city", "like": "m%"}, "rule: unknown operator 'like'"),
        (
            {"attr": "topics", "eq": "lung"},
            "rule.eq: operator 'eq' does not apply to list attribute",
        ),
        ({"attr": "city", "contains": "m"}, "rule.contains: operator 'contains' does not apply"),
        ({"attr": "city", "eq": 3}, "rule.eq: expected a string, got number"),
        ({"attr": "city", "in": []}, "rule.in: expected at least one value"),
        ({"attr": "city", "in": ["a", None]}, "rule.in[1]: expected a string, got null"),
        ({"attr": "city", "exists": "yes"}, "rule.exists: expected true or false, got string"),
        ({"attr": "city"}, "rule: expected one operator of eq, in, contains, exists, got none"),
        ({"all": {"language": "de"}}, "rule.all: expected a list, got object"),
        ({"language": "fr"}, "rule.language: expected one of de, en, got 'fr'"),
        ({"career_stage": [1]}, "rule.career_stage[0]: expected a string, got number"),
        ({"subscribed": {"after": "31.01.2026"}}, "rule.subscribed.after: expected an ISO date"),
        ({"subscribed": {"since": "2026-01-01"}}, "rule.subscribed: unknown key 'since'"),
        ({"clicked_within_days": 0}, "rule.clicked_within_days: expected a whole number of days"),
        ({"clicked_within_days": True}, "rule.clicked_within_days: expected a whole number"),
        ({"never_opened": 1}, "rule.never_opened: expected true or false, got number"),
        (
            {"language": "de", "topic": "x"},
            "rule: a rule must have exactly one key, got language, topic",
        ),
        ([], "rule: a rule must be an object, got list"),
        ({"topic": "a\x00b"}, "rule.topic: expected 1..200 characters without NUL"),
    ],
)
def test_invalid_rules_say_where(rule: Any, message: str) -> None:
    """Every malformed rule raises InvalidInput whose message starts with its path."""
    with pytest.raises(InvalidInput) as caught:
        validate_rule(rule)
    assert str(caught.value).startswith(message)


def test_too_deep_rule_is_refused() -> None:
    """Pathological nesting is refused instead of overflowing the stack."""
    rule: dict[str, Any] = {"language": "de"}
    for _ in range(30):
        rule = {"not": rule}
    with pytest.raises(InvalidInput, match="nested deeper"):
        validate_rule(rule)


def test_unknown_dialect_is_refused() -> None:
    """Only the two supported dialects compile."""
    with pytest.raises(InvalidInput, match="dialect"):
        compile_rule({"language": "de"}, dialect="mysql")


def test_shorthands_equal_their_long_forms() -> None:
    """topic/career_stage/city shorthands evaluate like the attr forms."""
    sub = Subscriber(
        email="a@example.org",
        email_hash="h",
        language="de",
        attributes={"topics": ["lung"], "career_stage": "phd", "city": "munich"},
        created_at=NOW,
    )
    pairs = [
        ({"topic": "lung"}, {"attr": "topics", "contains": "lung"}),
        ({"career_stage": ["phd", "x"]}, {"attr": "career_stage", "in": ["phd", "x"]}),
        ({"city": "munich"}, {"attr": "city", "eq": "munich"}),
        ({"institution": "x"}, {"attr": "institution", "eq": "x"}),
    ]
    for short, long in pairs:
        assert evaluate_rule(short, sub, now=NOW) == evaluate_rule(long, sub, now=NOW)
    assert evaluate_rule({"topic": "lung"}, sub, now=NOW)
    assert not evaluate_rule({"institution": "x"}, sub, now=NOW)


@settings(max_examples=200, deadline=None)
@given(rule=rules, data=st.data())
def test_values_never_change_sql_structure(rule: dict[str, Any], data: st.DataObject) -> None:
    """Two rules of the same shape compile to identical SQL text on both dialects."""
    other = revalue(rule, data.draw)
    validate_rule(other)
    for name, dialect in DIALECTS.items():
        first = str(compile_rule(rule, dialect=name, now=NOW).compile(dialect=dialect))
        second = str(compile_rule(other, dialect=name, now=NOW).compile(dialect=dialect))
        assert first == second

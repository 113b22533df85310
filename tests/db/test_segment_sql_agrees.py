"""Compiled segment SQL and the plain-Python evaluation agree, on SQLite and PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from service.domain.segment_rules import compile_rule, evaluate_rule
from service.models import Campaign, Subscriber, TrackingEvent
from tests.segment_strategies import NOW, events, rules, subscribers

subscriber_t: sa.Table = Subscriber.__table__  # type: ignore[attr-defined]


def _load(session: Session, people: list[dict[str, Any]], evts: list[dict[str, Any]]) -> None:
    """Insert a campaign, the subscribers (ids 1..n) and their events."""
    session.add(Campaign(id=1, name="c", subject_en="s", subject_de="s"))
    for i, person in enumerate(people, start=1):
        session.add(Subscriber(id=i, email=f"s{i}@example.org", email_hash=f"h{i}", **person))
    for e in evts:
        session.add(
            TrackingEvent(
                campaign_id=1,
                subscriber_id=e["subscriber"] + 1,
                kind=e["kind"],
                machine=e["machine"],
                occurred_at=e["occurred_at"],
            )
        )
    session.flush()


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), people=st.lists(subscribers, max_size=8), rule=rules)
def test_sql_and_python_agree(
    session: Session, data: st.DataObject, people: list[dict[str, Any]], rule: dict[str, Any]
) -> None:
    """The set of ids the SQL selects equals the set the Python evaluator accepts."""
    evts = data.draw(events(len(people)))
    try:
        _load(session, people, evts)
        dialect = session.get_bind().dialect.name
        cond = compile_rule(rule, dialect=dialect, now=NOW)
        got = set(session.execute(sa.select(subscriber_t.c.id).where(cond)).scalars())
        python_events = [SimpleNamespace(subscriber_id=e["subscriber"] + 1, **e) for e in evts]
        expected = {
            i
            for i, person in enumerate(people, start=1)
            if evaluate_rule(rule, SimpleNamespace(id=i, **person), now=NOW, events=python_events)
        }
        share = "none" if not expected else "all" if len(expected) == len(people) else "some"
        event(f"rule selects {share}")
        assert got == expected
    finally:
        session.rollback()


def test_examples_on_both_databases(session: Session) -> None:
    """Hand-picked cases, including absent attributes under `not` and machine-only opens."""
    people = [
        {
            "language": "de",
            "attributes": {"topics": ["lung"], "career_stage": "phd"},
            "created_at": NOW,
        },
        {"language": "en", "attributes": {"career_stage": "postdoc"}, "created_at": NOW},
        {"language": "en", "attributes": {}, "created_at": NOW},
    ]
    evts = [
        {"subscriber": 0, "kind": "click", "machine": False, "occurred_at": NOW},
        {"subscriber": 1, "kind": "open", "machine": True, "occurred_at": NOW},
    ]
    _load(session, people, evts)
    dialect = session.get_bind().dialect.name

    def ids(rule: dict[str, Any]) -> set[int]:
        cond = compile_rule(rule, dialect=dialect, now=NOW)
        return set(session.execute(sa.select(subscriber_t.c.id).where(cond)).scalars())

    assert ids({"topic": "lung"}) == {1}
    assert ids({"not": {"career_stage": "phd"}}) == {2, 3}
    assert ids({"career_stage": ["phd", "postdoc"]}) == {1, 2}
    assert ids({"attr": "career_stage", "exists": False}) == {3}
    assert ids({"never_opened": True}) == {1, 2, 3}  # subscriber 2's open was a machine
    assert ids({"clicked_within_days": 1}) == {1}
    assert ids({"all": [{"language": "en"}, {"not": {"never_opened": False}}]}) == {2, 3}
    assert ids({"any": []}) == set()
    assert ids({"all": []}) == {1, 2, 3}

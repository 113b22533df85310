"""Live counts, samples and campaign audiences over real databases."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlmodel import Session

from service.audience.segments import (
    audience_condition,
    count_statement,
    segment_count,
    segment_sample,
)
from service.domain.addresses import email_hash
from service.domain.segment_rules import compile_rule
from service.models import Subscriber, Suppression
from tests.conftest import TEST_SECRET

subscriber_t: sa.Table = Subscriber.__table__  # type: ignore[attr-defined]


def _add(session: Session, email: str, status: str, **attributes: object) -> Subscriber:
    sub = Subscriber(
        email=email,
        email_hash=email_hash(email, TEST_SECRET.encode()),
        status=status,
        attributes=dict(attributes),
    )
    session.add(sub)
    session.flush()
    return sub


def _people(session: Session) -> None:
    _add(session, "a@x.org", "confirmed", topics=["lung"], career_stage="phd")
    _add(session, "b@x.org", "confirmed", topics=["lung", "heart"], career_stage="postdoc")
    _add(session, "c@x.org", "confirmed", topics=["heart"], career_stage="phd")
    _add(session, "d@x.org", "unconfirmed", topics=["lung"], career_stage="phd")
    _add(session, "e@x.org", "unsubscribed", topics=["lung"])
    _add(session, "f@x.org", "confirmed", topics=["lung"], career_stage="phd")
    session.add(
        Suppression(email_hash=email_hash("f@x.org", TEST_SECRET.encode()), reason="complaint")
    )
    session.commit()


def test_count_and_sample_only_deliverable(session: Session) -> None:
    """Unconfirmed, unsubscribed and suppressed subscribers are not in the live count."""
    _people(session)
    assert segment_count(session, rule={"topic": "lung"}) == 2
    assert segment_count(session, rule={"topic": "lung"}, deliverable_only=False) == 5
    sample = segment_sample(session, rule={"topic": "lung"}, limit=1)
    assert [s.email for s in sample] == ["a@x.org"]


def test_audience_is_union_minus_exclusions_without_duplicates(session: Session) -> None:
    """Members of two include segments appear once; exclusion wins over inclusion."""
    _people(session)
    cond = audience_condition(
        session,
        include_rules=[{"topic": "lung"}, {"career_stage": ["phd"]}],
        exclude_rules=[{"topic": "heart"}],
    )
    emails = session.execute(sa.select(subscriber_t.c.email).where(cond)).scalars().all()
    assert sorted(emails) == ["a@x.org"]
    nobody = audience_condition(session, include_rules=[], exclude_rules=[])
    assert session.execute(sa.select(sa.func.count()).where(nobody)).scalar_one() == 0


def test_postgres_attribute_tests_use_the_gin_index(session: Session) -> None:
    """On PostgreSQL, containment tests can be answered from the jsonb_path_ops GIN index."""
    if session.get_bind().dialect.name != "postgresql":
        assert "ix_subscriber_attributes_gin" not in {
            i["name"] for i in sa.inspect(session.get_bind()).get_indexes("subscriber")
        }
        return
    for i in range(300):
        _add(session, f"p{i}@x.org", "confirmed", topics=[f"t{i % 30}"], city=f"c{i % 7}")
    session.commit()
    session.execute(sa.text("ANALYZE subscriber"))
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    for rule in ({"attr": "city", "eq": "c3"}, {"city": ["c1", "c2"]}):  # topics: next test
        stmt = sa.select(subscriber_t.c.id).where(compile_rule(rule, dialect="postgresql"))
        compiled = stmt.compile(session.get_bind())
        params = {
            k: json.dumps(v) if isinstance(v, dict) else v for k, v in compiled.params.items()
        }
        rows = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", params)
        plan = "\n".join(r[0] for r in rows)
        assert "ix_subscriber_attributes_gin" in plan, plan


def test_postgres_topic_by_language_count_reads_only_the_covering_index(session: Session) -> None:
    """Issue 11: the live count of topic x language is an index-only scan, no JSON, no heap."""
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite evaluates the same column (the agreement tests cover both)
    for i in range(2000):
        email = f"p{i}@x.org"
        session.add(
            Subscriber(
                email=email,
                email_hash=email_hash(email, TEST_SECRET.encode()),
                status="confirmed",
                language="de" if i % 3 == 0 else "en",
                attributes={"topics": [f"t{i % 5}", "lung"][: 1 + i % 2]},
            )
        )
    session.add(
        Suppression(email_hash=email_hash("p3@x.org", TEST_SECRET.encode()), reason="admin")
    )
    session.commit()
    with session.get_bind().connect() as conn:  # VACUUM: the visibility map index-only scans use
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM (ANALYZE) subscriber"
        )
    rule = {"all": [{"topic": "lung"}, {"language": "de"}]}
    stmt = count_statement(session, rule=rule, deliverable_only=True, now=None)
    compiled = stmt.compile(session.get_bind())
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
    rows = session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
    plan = "\n".join(r[0] for r in rows)
    assert "Index Only Scan using ix_subscriber_segment_facets" in plan, plan
    assert "attributes" not in plan and "Seq Scan on subscriber" not in plan, plan
    # odd i carry lung, i % 3 == 0 read German; p3 is suppressed
    assert segment_count(session, rule=rule) == sum(1 for i in range(2000) if i % 6 == 3) - 1

"""Subscriber search: each filter, keyset order and stability, clear errors, index-servable SQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.audience.search import SubscriberQuery, conditions, search_subscribers
from service.db import reset_engine
from service.errors import InvalidInput
from service.models import Subscriber
from service.settings import reset_settings
from tests.conftest import _fresh_schema, postgres_url

DOMAINS = ("nm.org", "uni-muenchen.de")


def _add(session: Session, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        session.add(
            Subscriber(
                email=f"{'ana' if i % 3 == 0 else 'bo'}{i}@{DOMAINS[i % 2]}",
                email_hash=f"h{i}",
                name=f"Person {i} {'Müller' if i % 5 == 0 else 'Smith'}",
                attributes={
                    "city": "munich" if i % 2 else "chicago",
                    "topics": ["lung"] * (i % 4 == 0),
                },
                status="confirmed" if i % 7 else "unsubscribed",
            )
        )
    session.commit()


def _all_pages(session: Session, query: SubscriberQuery, limit: int) -> list[int]:
    seen: list[int] = []
    after = None
    while True:
        page = search_subscribers(session, query=query, after=after, limit=limit)
        seen += [r.id for r in page.rows if r.id is not None]
        if page.next_after is None:
            return seen
        after = page.next_after


def test_filters_match_a_python_reference(session: Session) -> None:
    _add(session, 120)
    everyone = list(session.exec(select(Subscriber).order_by(col(Subscriber.id))))
    cases = [
        (SubscriberQuery(email="ana"), lambda s: s.email.startswith("ana")),
        (SubscriberQuery(email="MUENCHEN", email_mode="contains"), lambda s: "muenchen" in s.email),
        (SubscriberQuery(name="müller"), lambda s: "Müller" in (s.name or "")),
        (
            SubscriberQuery(attribute="city", value="munich"),
            lambda s: s.attributes["city"] == "munich",
        ),
        (
            SubscriberQuery(attribute="topics", value="lung"),
            lambda s: "lung" in s.attributes["topics"],
        ),
        (
            SubscriberQuery(email="bo", status="unsubscribed"),
            lambda s: s.email.startswith("bo") and s.status == "unsubscribed",
        ),
        (
            SubscriberQuery(email="ANA6@nm.org", email_mode="exact"),
            lambda s: s.email == "ana6@nm.org",
        ),
    ]
    for query, expect in cases:
        want = [s.id for s in everyone if expect(s)]
        assert _all_pages(session, query, limit=7) == want, query
        assert want, query


def test_like_wildcards_in_the_term_are_literal(session: Session) -> None:
    _add(session, 10)
    assert _all_pages(session, SubscriberQuery(email="a%"), limit=5) == []
    assert _all_pages(session, SubscriberQuery(email="_na"), limit=5) == []


def test_pages_are_stable_when_rows_arrive_meanwhile(session: Session) -> None:
    _add(session, 60)
    query = SubscriberQuery(email="bo")
    first = search_subscribers(session, query=query, limit=10)
    assert first.next_after is not None
    _add(session, 30, start=1000)  # new subscribers while the reader is on page one
    rest = _all_pages_after(session, query, first.next_after)
    ids = [r.id for r in first.rows] + rest
    assert ids == sorted(ids) and len(ids) == len(set(ids))  # in id order, nobody twice
    assert set(ids) >= {
        s.id for s in session.exec(select(Subscriber)) if s.email.startswith("bo") and s.id <= 60
    }  # type: ignore[operator]


def _all_pages_after(session: Session, query: SubscriberQuery, after: int) -> list[int]:
    out: list[int] = []
    cursor: int | None = after
    while cursor is not None:
        page = search_subscribers(session, query=query, after=cursor, limit=10)
        out += [r.id for r in page.rows if r.id is not None]
        cursor = page.next_after
    return out


def test_bad_queries_name_the_field(session: Session) -> None:
    with pytest.raises(InvalidInput, match="email: 'contains' needs at least 3"):
        search_subscribers(session, query=SubscriberQuery(email="ab", email_mode="contains"))
    with pytest.raises(InvalidInput, match="name: give at least 3"):
        search_subscribers(session, query=SubscriberQuery(name="x"))
    with pytest.raises(InvalidInput, match="attribute: unknown"):
        search_subscribers(session, query=SubscriberQuery(attribute="shoe", value="42"))


@pytest.fixture
def pg_session(configured: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """PostgreSQL only: index plans are a property of PostgreSQL."""
    url = postgres_url()
    _fresh_schema(url)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", url)
    reset_settings()
    reset_engine()
    from service.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (SubscriberQuery(email="ana"), "ix_subscriber_email_pattern"),
        (SubscriberQuery(email="muenchen", email_mode="contains"), "ix_subscriber_email_trgm"),
        (SubscriberQuery(name="müller"), "ix_subscriber_name_trgm"),
        (SubscriberQuery(attribute="city", value="munich"), "ix_subscriber_attributes_gin"),
    ],
)
def test_postgres_can_serve_each_filter_from_its_index(
    pg_session: Session, query: SubscriberQuery, index: str
) -> None:
    _add(pg_session, 50)
    stmt = sa.select(col(Subscriber.id)).where(*conditions(pg_session, query))
    conn = pg_session.connection()
    compiled = stmt.compile(dialect=conn.dialect)
    processors = compiled._bind_processors
    params = {k: processors[k](v) if k in processors else v for k, v in compiled.params.items()}
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}", params))
    assert index in plan, plan

"""The consent ledger refuses updates and deletes (ORM guard, and triggers on both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from service.db import get_engine, reset_engine
from service.models import ConsentEvent, Subscriber
from service.models.consent import LedgerIsAppendOnly, ledger_erasure
from service.settings import reset_settings
from tests.conftest import _fresh_schema, postgres_url


@pytest.fixture
def pg_session(configured: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """PostgreSQL only: the trigger is a PostgreSQL object (SQLite relies on the ORM guard)."""
    url = postgres_url()
    _fresh_schema(url)
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", url)
    reset_settings()
    reset_engine()
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


def _entry(session: Session) -> ConsentEvent:
    sub = Subscriber(email="a@x.org", email_hash="h")
    session.add(sub)
    session.flush()
    assert sub.id is not None
    row = ConsentEvent(subscriber_id=sub.id, event="signup", ip="192.0.2.1", consent_text="yes")
    session.add(row)
    session.commit()
    return row


def test_orm_update_is_refused(session: Session) -> None:
    """Changing a loaded row and flushing raises."""
    row = _entry(session)
    row.ip = "198.51.100.9"
    with pytest.raises(LedgerIsAppendOnly):
        session.flush()
    session.rollback()


def test_orm_delete_is_refused(session: Session) -> None:
    """session.delete() of a ledger row raises."""
    row = _entry(session)
    session.delete(row)
    with pytest.raises(LedgerIsAppendOnly):
        session.flush()
    session.rollback()


@pytest.mark.parametrize(
    "stmt",
    [sa.update(ConsentEvent).values(ip=None), sa.delete(ConsentEvent)],
    ids=["update", "delete"],
)
def test_bulk_statements_are_refused(session: Session, stmt: sa.Executable) -> None:
    """ORM-enabled bulk UPDATE/DELETE statements are refused before reaching the database."""
    _entry(session)
    with pytest.raises(LedgerIsAppendOnly):
        session.execute(stmt)
    session.rollback()


@pytest.mark.parametrize(
    "sql",
    ["UPDATE consent_event SET ip = NULL", "DELETE FROM consent_event"],
    ids=["update", "delete"],
)
def test_postgres_trigger_refuses_raw_sql(pg_session: Session, sql: str) -> None:
    """On PostgreSQL even raw SQL that bypasses the ORM is refused by the trigger."""
    session = pg_session
    _entry(session)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.connection().exec_driver_sql(sql)
    session.rollback()
    assert session.execute(sa.select(sa.func.count()).select_from(ConsentEvent)).scalar_one() == 1


def test_erasure_may_delete_but_never_update(session: Session) -> None:
    """Inside ledger_erasure() deletes pass; updates stay refused; the permit ends with it."""
    row = _entry(session)
    with ledger_erasure(session):
        session.delete(row)
        session.flush()
    session.commit()
    assert session.execute(sa.select(sa.func.count()).select_from(ConsentEvent)).scalar_one() == 0
    _again = ConsentEvent(subscriber_id=row.subscriber_id, event="signup")
    session.add(_again)
    session.commit()
    with pytest.raises(LedgerIsAppendOnly):
        session.execute(sa.delete(ConsentEvent))
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            session.connection().exec_driver_sql("DELETE FROM consent_event")
        session.rollback()


@pytest.mark.parametrize(
    "sql",
    ["UPDATE consent_event SET ip = NULL", "DELETE FROM consent_event"],
    ids=["update", "delete"],
)
def test_D2_raw_sql_is_refused_on_both_databases(session: Session, sql: str) -> None:
    """Raw SQL past the ORM guard meets a trigger on SQLite too (create_all installs it)."""
    _entry(session)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.connection().exec_driver_sql(sql)
    session.rollback()
    assert session.execute(sa.select(sa.func.count()).select_from(ConsentEvent)).scalar_one() == 1


def test_D2_erasure_permit_reaches_the_trigger_and_ends_with_it(session: Session) -> None:
    """Inside ledger_erasure() a raw DELETE passes the trigger; a raw UPDATE never does."""
    subscriber_id = _entry(session).subscriber_id
    with ledger_erasure(session), pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.connection().exec_driver_sql("UPDATE consent_event SET ip = NULL")
    session.rollback()
    with ledger_erasure(session):
        session.connection().exec_driver_sql("DELETE FROM consent_event")
    session.commit()
    assert session.execute(sa.select(sa.func.count()).select_from(ConsentEvent)).scalar_one() == 0
    session.add(ConsentEvent(subscriber_id=subscriber_id, event="signup"))
    session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.connection().exec_driver_sql("DELETE FROM consent_event")
    session.rollback()


def test_D2_sqlite_shell_without_the_permit_function_cannot_delete(configured: Path) -> None:
    """A plain sqlite3 connection (no Newsdesk function registered) is refused as well."""
    import sqlite3

    from sqlmodel import SQLModel

    path = configured / "shell.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        _entry(session)
    engine.dispose()
    with sqlite3.connect(path) as raw:
        for sql in ("UPDATE consent_event SET ip = NULL", "DELETE FROM consent_event"):
            with pytest.raises(sqlite3.DatabaseError):
                raw.execute(sql)
        assert raw.execute("select count(*) from consent_event").fetchone() == (1,)

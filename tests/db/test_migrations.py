"""Alembic migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.dialects import postgresql

from service.migrate import alembic_config, upgrade
from tests.conftest import postgres_url
from tests.integration.live_stack import reset_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/migrated.sqlite3"
    url = postgres_url()
    reset_postgres(url)
    return url


def test_upgrade_to_head_matches_the_models(empty_database: str) -> None:
    upgrade(empty_database)
    command.check(alembic_config(empty_database))  # raises when models and migrations differ


def test_consent_ledger_trigger_is_created_by_the_migration() -> None:
    url = postgres_url()
    reset_postgres(url)
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(
            sa.text("select tgname from pg_trigger where not tgisinternal")
        ).scalars()
        assert "consent_event_append_only" in set(names)
    engine.dispose()


def test_D2_sqlite_ledger_triggers_are_created_by_the_migration(tmp_path: Path) -> None:
    """The migration installs the SQLite append-only triggers, and they refuse raw SQL."""
    url = f"sqlite:///{tmp_path}/migrated.sqlite3"
    upgrade(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        names = set(
            conn.execute(sa.text("select name from sqlite_master where type='trigger'")).scalars()
        )
        assert {"consent_event_no_update", "consent_event_no_delete"} <= names
        conn.execute(
            sa.text(
                "insert into subscriber (email, email_hash, name, language,"
                " attributes, tracking_consent, status, created_at) values"
                " ('a@x.org', 'h', null, 'en', '{}', 0, 'confirmed', '2026-01-01')"
            )
        )
        conn.execute(
            sa.text(
                "insert into consent_event (subscriber_id, event, occurred_at,"
                " source, consent_text, consent_version, detail) values"
                " (1, 'signup', '2026-01-01', 's', 't', 'v', '{}')"
            )
        )
    for sql in ("UPDATE consent_event SET ip = NULL", "DELETE FROM consent_event"):
        with engine.begin() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.exec_driver_sql(sql)
    engine.dispose()


def test_segment_topics_are_filled_for_existing_rows_and_kept_by_triggers(
    empty_database: str,
) -> None:
    """Issue 11: rows from before 0002 get segment_topics; later writes keep it (both DBs)."""
    command.upgrade(alembic_config(empty_database), "0001")
    engine = sa.create_engine(empty_database)
    insert = sa.text(
        "insert into subscriber (email, email_hash, name, language, attributes,"
        " tracking_consent, status, created_at) values (:e, :h, null, 'en', :a, false,"
        " 'confirmed', '2026-01-01')"
    )
    doc = sa.bindparam("a", type_=postgresql.JSONB if engine.dialect.name != "sqlite" else sa.JSON)
    insert = insert.bindparams(doc)
    with engine.begin() as conn:
        conn.execute(insert, {"e": "old@x.org", "h": "h1", "a": {"topics": ["lung", "a|b", 3]}})
    upgrade(empty_database)
    read = sa.text("select email, segment_topics from subscriber")
    with engine.begin() as conn:
        assert dict(conn.execute(read).all()) == {"old@x.org": "|lung|a~pb|"}  # filled once
        conn.execute(insert, {"e": "new@x.org", "h": "h2", "a": {"topics": ["~p", None]}})
        update = sa.text("update subscriber set attributes = :a where email = 'old@x.org'")
        conn.execute(update.bindparams(doc), {"a": {"topics": "lung"}})
        got = dict(conn.execute(read).all())
    assert got == {"old@x.org": "", "new@x.org": "|~~p|"}
    engine.dispose()

"""Alembic migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

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

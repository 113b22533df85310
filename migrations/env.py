"""Alembic environment: the URL comes from settings, the metadata from service.models."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import service.models  # noqa: F401 - registers every table
from service.db import make_engine
from service.settings import get_settings

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Run against the configured database (batch mode so SQLite can alter tables)."""
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()

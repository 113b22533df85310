"""Schema migrations through Alembic, callable from the CLI, the demo and tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from service.resources import shipped


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the shipped (or checked-out) migrations."""
    config = Config(str(shipped("alembic.ini")))
    config.set_main_option("script_location", str(shipped("migrations")))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database to `revision` (default: latest)."""
    command.upgrade(alembic_config(url), revision)

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


def schema_state(url: str | None = None) -> tuple[str | None, str | None]:
    """(the database's revision, the code's head revision)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from service.db import get_engine

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    with get_engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision(), head


def ensure_schema(*, embedded: bool) -> None:
    """Refuse to run on a database behind the code; the embedded (demo) default migrates itself."""
    current, head = schema_state()
    if current == head:
        return
    if embedded:
        upgrade()
        return
    raise SchemaBehind(
        f"the database is at migration {current or 'none (empty)'}, this release needs {head}: "
        "run `newsdesk db upgrade` first"
    )


class SchemaBehind(RuntimeError):
    """The database is not at the latest migration."""

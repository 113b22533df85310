"""`newsdesk db ...`: the database schema."""

from __future__ import annotations

import typer

from service.cli.support import console

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: latest)."""
    from service.migrate import upgrade

    upgrade(revision=revision)
    console.print(f"database at {revision}")

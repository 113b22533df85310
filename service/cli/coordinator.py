"""`newsdesk coordinator ...`: add and list the people replies are routed to."""

from __future__ import annotations

from typing import Annotated

import typer

coordinator_app = typer.Typer(
    help="Coordinators: who replies about an announcement go to.", no_args_is_help=True
)


@coordinator_app.command("add")
def add(
    name: str,
    email: str,
    office: Annotated[str, typer.Option(help="office or programme")] = "",
    language: Annotated[str, typer.Option(help="de or en")] = "en",
) -> None:
    """Add a coordinator; the address is checked like a subscriber's (exit 1 when invalid)."""
    from service.cli.support import console, fail
    from service.content.coordinators import add_coordinator
    from service.db import session_scope
    from service.errors import InvalidInput

    try:
        with session_scope() as session:
            row = add_coordinator(session, name=name, email=email, office=office, language=language)
            shown = f"coordinator {row.id}: {row.name} <{row.email}>"
    except InvalidInput as exc:
        raise fail(str(exc)) from None
    console.print(shown)


@coordinator_app.command("list")
def list_command() -> None:
    """Every coordinator with id, address, office and language."""
    from rich.table import Table

    from service.cli.support import console
    from service.content.coordinators import list_coordinators
    from service.db import session_scope

    table = Table("id", "name", "email", "office", "language")
    with session_scope() as session:
        for c in list_coordinators(session):
            table.add_row(str(c.id), c.name, c.email, c.office, c.language)
    console.print(table)

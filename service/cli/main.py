"""The `newsdesk` command line: one module per noun, each a thin layer over service/."""

from __future__ import annotations

from typing import Annotated

import typer

from service.cli.audience import audience_app
from service.cli.automation import automation_app, digest_app, feed_app, welcome_app
from service.cli.campaign import campaign_app
from service.cli.coordinator import coordinator_app
from service.cli.db import db_app
from service.cli.deadletter import deadletter_app
from service.cli.demo import demo
from service.cli.dkim import dkim_app
from service.cli.dns import dns_app
from service.cli.edition import editions_app
from service.cli.inbound import inbound_app
from service.cli.report import report_app
from service.cli.services import api, beat, worker
from service.cli.standards import standards
from service.cli.sunset import sunset
from service.cli.support import console
from service.cli.user import user_app
from service.cli.webhook import webhook_app

app = typer.Typer(help="Newsdesk: newsletters and mailing automation.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            console.print(f"newsdesk {version('newsdesk')}")
        except PackageNotFoundError:
            console.print("newsdesk (not installed)")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Check the settings once, so a bad one is one clear line (exit 1), not a traceback."""
    from pydantic import ValidationError

    from service.settings import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            console.print(f"[bold red]configuration error:[/] {error['msg']}")
        raise typer.Exit(1) from None


for command in (demo, worker, beat, api, standards, sunset):
    app.command()(command)
app.add_typer(db_app, name="db")
app.add_typer(campaign_app, name="campaign")
app.add_typer(coordinator_app, name="coordinator")
app.add_typer(dkim_app, name="dkim")
app.add_typer(dns_app, name="dns")
app.add_typer(deadletter_app, name="deadletter")
app.add_typer(inbound_app, name="inbound")
app.add_typer(audience_app, name="audience")
app.add_typer(editions_app, name="edition")
app.add_typer(report_app, name="report")
app.add_typer(webhook_app, name="webhook")
app.add_typer(user_app, name="user")
app.add_typer(digest_app, name="digest")
app.add_typer(welcome_app, name="welcome")
app.add_typer(feed_app, name="feed")
app.add_typer(automation_app, name="automation")

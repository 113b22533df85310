"""`newsdesk webhook ...`: signed outgoing webhooks and their delivery log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from service.cli.support import USER_ERROR, console
from service.errors import NewsdeskError

webhook_app = typer.Typer(help="Outgoing webhooks: list deliveries, replay.", no_args_is_help=True)


@webhook_app.command("add")
def webhook_add(
    url: str,
    secret: Annotated[str, typer.Option(help="shared HMAC secret, >= 16 characters")],
    event: Annotated[list[str] | None, typer.Option(help="event type; repeat; none = all")] = None,
) -> None:
    """Register a webhook endpoint."""
    from service import webhooks
    from service.db import session_scope

    try:
        with session_scope() as session:
            endpoint = webhooks.add_endpoint(
                session, url=url, secret=secret, event_types=event or []
            )
            console.print(f"endpoint {endpoint.id}: {url}")
    except NewsdeskError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=USER_ERROR) from None


@webhook_app.command("log")
def webhook_log(
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead")] = None,
    limit: int = 50,
) -> None:
    """Recent deliveries with attempts, last status code and next retry."""
    from service import webhooks
    from service.db import session_scope

    table = Table(title="Webhook deliveries")
    for column in (
        "id",
        "endpoint",
        "event",
        "status",
        "attempts",
        "code",
        "next attempt",
        "error",
    ):
        table.add_column(column)
    with session_scope() as session:
        for d in webhooks.recent(session, status=status, limit=limit):
            table.add_row(
                str(d.id), str(d.endpoint_id), d.event_type, d.status, str(d.attempts),
                str(d.last_status_code or ""), d.next_attempt_at.isoformat(timespec="seconds"),
                (d.last_error or "")[:60],
            )  # fmt: skip
    console.print(table)


@webhook_app.command("replay")
def webhook_replay(
    delivery: Annotated[list[int] | None, typer.Option(help="delivery id; repeat")] = None,
    endpoint: Annotated[int | None, typer.Option(help="every dead delivery of an endpoint")] = None,
    include_delivered: bool = False,
) -> None:
    """Queue dead (or, with --include-delivered, delivered) deliveries again."""
    from service import webhooks
    from service.db import session_scope

    try:
        with session_scope() as session:
            count = webhooks.replay(
                session,
                delivery_ids=delivery or [],
                endpoint_id=endpoint,
                include_delivered=include_delivered,
            )
    except NewsdeskError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=USER_ERROR) from None
    console.print(f"queued {count} deliveries again")

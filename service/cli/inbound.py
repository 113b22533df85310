"""Typer sub-app `newsdesk inbound ...`: classify files (dry run) and, later, serve SMTP."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from service.cli.support import USER_ERROR, JsonOption, print_json

inbound_app = typer.Typer(help="Inbound mail: bounces, complaints, replies.")


@inbound_app.callback()
def _group() -> None:
    """Keep `classify` a sub-command even while it is the only one."""


@inbound_app.command("classify")
def classify(files: list[Path] = typer.Argument(..., help="raw .eml files")) -> None:
    """Classify raw mail files without touching the database; prints one JSON object per line."""
    from service.inbound.reading.classify import classify_files

    for row in classify_files(files):
        typer.echo(json.dumps(row, ensure_ascii=False))


@inbound_app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="listen address (default: settings)"),
    port: int | None = typer.Option(None, help="listen port (default: settings)"),
) -> None:
    """Run the inbound SMTP receiver until interrupted; each stored message is enqueued."""
    import time

    from service.inbound.intake.smtp_receiver import InboundHandler, make_controller
    from workers.publish import process_inbound

    handler = InboundHandler(after_stored=process_inbound)
    controller = make_controller(handler=handler, hostname=host, port=port)
    controller.start()
    typer.echo(f"inbound SMTP listening on {controller.hostname}:{controller.port}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@inbound_app.command("poll")
def poll() -> None:
    """Fetch unseen mail once from settings.imap_url into the store and enqueue its processing."""
    from service.inbound.intake.imap_poller import ImapTarget, poll_imap
    from service.settings import get_settings
    from workers.publish import process_inbound

    url = get_settings().imap_url
    if not url:
        typer.echo("NEWSDESK_IMAP_URL is not set; nothing to poll", err=True)
        raise typer.Exit(USER_ERROR)
    stored = poll_imap(ImapTarget.from_url(url), after_stored=process_inbound)
    typer.echo(f"stored {len(stored)} message(s)")


@inbound_app.command("inquiries")
def inquiries(
    coordinator: int | None = typer.Option(None, help="only this coordinator's (id)"),
    state: str | None = typer.Option(None, help="new, forwarded, answered or closed"),
    limit: int = typer.Option(50, min=1, max=1000),
    as_json: JsonOption = False,
) -> None:
    """Routed inquiries, newest first, with the announcement they are about."""
    from rich.console import Console
    from rich.table import Table

    from service.db import session_scope
    from service.errors import NewsdeskError
    from service.inbound.acting.inquiries import OPEN_STATES, list_inquiries, per_coordinator

    console = Console()
    try:
        with session_scope() as session:
            lines = list_inquiries(session, coordinator_id=coordinator, state=state, limit=limit)
            counts = per_coordinator(session, states=OPEN_STATES)
    except NewsdeskError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(USER_ERROR) from None
    if as_json:
        print_json({"inquiries": lines, "open_per_coordinator": counts})
        return
    table = Table("id", "state", "coordinator", "announcement", "lang", "received", "question")
    for line in lines:
        received = line.created_at.strftime("%Y-%m-%d %H:%M")
        question = " ".join(line.text.split())[:60]
        table.add_row(str(line.id), line.state, line.coordinator, line.announcement[:40],
                      line.language, received, question)  # fmt: skip
    console.print(table)
    console.print(
        "open per coordinator: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none")
    )


@inbound_app.command("close")
def close(inquiry_id: int) -> None:
    """Close an inquiry (answered elsewhere, or nothing to answer)."""
    from service.db import session_scope
    from service.errors import NewsdeskError
    from service.inbound.acting.inquiries import close_inquiry

    try:
        with session_scope() as session:
            close_inquiry(session, inquiry_id=inquiry_id)
    except NewsdeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(USER_ERROR) from None
    typer.echo(f"inquiry {inquiry_id} closed")

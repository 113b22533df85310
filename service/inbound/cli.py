"""Typer sub-app `newsdesk inbound ...`: classify files (dry run) and, later, serve SMTP."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from service.inbound.classify import classify_files

inbound_app = typer.Typer(help="Inbound mail: bounces, complaints, replies.")


@inbound_app.callback()
def _group() -> None:
    """Keep `classify` a sub-command even while it is the only one."""


@inbound_app.command("classify")
def classify(files: list[Path] = typer.Argument(..., help="raw .eml files")) -> None:
    """Classify raw mail files without touching the database; prints one JSON object per line."""
    for row in classify_files(files):
        typer.echo(json.dumps(row, ensure_ascii=False))


@inbound_app.command("serve")
def serve(
    host: str | None = typer.Option(None, help="listen address (default: settings)"),
    port: int | None = typer.Option(None, help="listen port (default: settings)"),
) -> None:
    """Run the inbound SMTP receiver until interrupted; stored messages are processed later."""
    import time

    from service.inbound.smtp_receiver import make_controller

    controller = make_controller(hostname=host, port=port)
    controller.start()
    typer.echo(f"inbound SMTP listening on {controller.hostname}:{controller.port}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()

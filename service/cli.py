"""The `newsdesk` command line: thin commands over service/, with rich tables and progress."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.audience.cli import audience_app
from service.campaigns.cli_editions import editions_app
from service.domain.errors import NewsdeskError
from service.inbound.cli import inbound_app
from service.tracking.cli import report_app, webhook_app

app = typer.Typer(help="Newsdesk: newsletters and mailing automation.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
campaign_app = typer.Typer(
    help="Campaigns: list, inspect, schedule, pause, resume, cancel.", no_args_is_help=True
)
dkim_app = typer.Typer(help="DKIM keys.", no_args_is_help=True)
deadletter_app = typer.Typer(help="Failed work kept for replay.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(campaign_app, name="campaign")
app.add_typer(dkim_app, name="dkim")
app.add_typer(deadletter_app, name="deadletter")
app.add_typer(inbound_app, name="inbound")
app.add_typer(audience_app, name="audience")
app.add_typer(editions_app, name="edition")
app.add_typer(report_app, name="report")
app.add_typer(webhook_app, name="webhook")
console = Console()


def fail(message: str) -> typer.Exit:
    """Print a clear error and exit 2 (no traceback for user errors)."""
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@app.command()
def demo(
    var_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its database and Maildir.")
    ] = Path("var/demo"),
    subscribers: Annotated[int, typer.Option(min=10, max=100_000)] = 360,
) -> None:
    """Run a full demo campaign on embedded defaults (SQLite, filesystem broker, Maildir)."""
    from service.demo.run import run_demo

    with _progress() as bar:
        task = bar.add_task("sending demo campaign", total=None)
        result = run_demo(
            var_dir,
            subscribers=subscribers,
            progress=lambda done, total: bar.update(task, completed=done, total=total or None),
        )
    table = Table(title=f"Demo campaign {result.seeded.campaign_id}: {result.status}")
    table.add_column("edition")
    table.add_column("lang")
    table.add_column("announcements")
    table.add_column("recipients", justify="right")
    table.add_column("delivered", justify="right")
    legend = {slug: n for n, slug in enumerate(result.announcements, start=1)}
    for row in result.editions:
        numbers = " ".join(str(legend[slug]) for slug in row.announcements)
        table.add_row(row.key, row.language, numbers, str(row.recipients), str(row.delivered))
    console.print(table)
    console.print("announcements: " + "; ".join(f"{n} {s}" for s, n in legend.items()))
    console.print(
        f"{len(result.editions)} editions rendered once each; "
        f"subscribers: {result.seeded.subscribers} (confirmed {result.seeded.confirmed}); "
        f"delivered {result.delivered}; captured {result.captured} messages "
        f"in {result.seconds:.1f}s"
    )
    console.print(f"captured mail (Maildir): [bold]{result.maildir}[/]")
    console.print(f"DKIM record to publish: {result.dkim_record}")
    expected = result.seeded.eligible
    if result.status != "sent" or not result.captured == result.delivered == expected:
        raise fail(
            f"demo campaign ended {result.status}; delivered {result.delivered}, "
            f"captured {result.captured}, expected {expected}; "
            f"see {result.maildir.parent}/worker.log"
        )


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: latest)."""
    from service.migrate import upgrade

    upgrade(revision=revision)
    console.print(f"database at {revision}")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option("-c", "--concurrency")] = 2,
    queues: str = "assemble,send,track,inbound,default",
) -> None:
    """Run a Celery worker (all queues by default)."""
    _celery(["worker", "-c", str(concurrency), "-Q", queues, "--loglevel", "INFO"])


@app.command()
def beat() -> None:
    """Run Celery beat (starts due campaigns, recovers stalled ones)."""
    _celery(["beat", "--loglevel", "INFO"])


def _celery(args: list[str]) -> None:
    raise typer.Exit(
        subprocess.call(
            [sys.executable, "-m", "celery", "-A", "workers.celery_app:celery_app", *args]
        )
    )


@app.command()
def api(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs)."""
    import uvicorn

    uvicorn.run("service.api.app:app", host=host, port=port)


@campaign_app.command("list")
def campaign_list() -> None:
    """All campaigns with status and delivery counts."""
    from service.campaigns.queries import campaign_overview

    table = Table("id", "name", "status", "send at", "sent", "open", "failed")
    for row in campaign_overview():
        table.add_row(
            str(row.id),
            row.name,
            row.status,
            row.send_at or "-",
            str(row.sent),
            str(row.open),
            str(row.failed),
        )
    console.print(table)


@campaign_app.command("show")
def campaign_show(campaign_id: int) -> None:
    """One campaign in detail."""
    from service.campaigns.queries import campaign_detail

    with _errors():
        detail = campaign_detail(campaign_id)
    table = Table("field", "value", show_header=False)
    for key, value in detail.items():
        table.add_row(key, str(value))
    console.print(table)


@campaign_app.command("schedule")
def campaign_schedule(
    campaign_id: int,
    at: Annotated[
        str | None,
        typer.Option(help="ISO time, e.g. 2026-12-01T09:00 (campaign time zone) or with +01:00"),
    ] = None,
) -> None:
    """Schedule a draft campaign."""
    from service.campaigns.authoring import schedule
    from service.db import session_scope

    with _errors(), session_scope() as session:
        try:
            when = datetime.fromisoformat(at) if at else None
        except ValueError:
            raise NewsdeskError(f"not an ISO time: {at!r} (e.g. 2026-12-01T09:00)") from None
        campaign = schedule(session, campaign_id=campaign_id, send_at=when)
        local = campaign.send_at.astimezone(ZoneInfo(campaign.timezone))  # type: ignore[union-attr]
        console.print(
            f"campaign {campaign_id} scheduled for {local:%Y-%m-%d %H:%M} {campaign.timezone}"
            f" ({campaign.send_at:%H:%M} UTC)"
        )


def _act(campaign_id: int, action: str, confirm: bool) -> None:
    from service.campaigns.lifecycle import apply_action
    from service.db import session_scope
    from service.domain.campaign_states import CampaignAction

    if confirm and not typer.confirm(f"{action} campaign {campaign_id}?"):
        raise typer.Exit(1)
    with _errors(), session_scope() as session:
        apply_action(
            session,
            campaign_id=campaign_id,
            action=CampaignAction(action),
            reason=f"{action} via CLI",
        )
    if action == "resume":
        from workers.tasks.campaigns import redispatch

        redispatch.delay(campaign_id)
    console.print(f"campaign {campaign_id}: {action} done")


@campaign_app.command("pause")
def campaign_pause(campaign_id: int) -> None:
    """Pause a sending campaign (workers stop within a chunk)."""
    _act(campaign_id, "pause", confirm=False)


@campaign_app.command("resume")
def campaign_resume(campaign_id: int) -> None:
    """Resume a paused campaign."""
    _act(campaign_id, "resume", confirm=False)


@campaign_app.command("cancel")
def campaign_cancel(
    campaign_id: int, yes: Annotated[bool, typer.Option("--yes", "-y")] = False
) -> None:
    """Cancel a campaign for good (asks for confirmation)."""
    _act(campaign_id, "cancel", confirm=not yes)


@campaign_app.command("status")
def campaign_status(campaign_id: int, follow: bool = True) -> None:
    """Live progress bar of a campaign's deliveries until it stops sending."""
    from service.campaigns.queries import progress_snapshot

    with _errors(), _progress() as bar:
        task = bar.add_task(f"campaign {campaign_id}", total=None)
        while True:
            snap = progress_snapshot(campaign_id)
            bar.update(
                task,
                completed=snap.done,
                total=snap.total or None,
                description=f"campaign {campaign_id} [{snap.status}]",
            )
            if not follow or snap.status not in ("scheduled", "sending"):
                break
            time.sleep(0.5)
    console.print(snap.counts)


@dkim_app.command("keygen")
def dkim_keygen(
    out: Annotated[Path, typer.Option(help="Where to write the private key (PEM).")] = Path(
        "var/dkim/private.pem"
    ),
    selector: str | None = None,
    domain: str | None = None,
) -> None:
    """Create an RSA-2048 key pair and print the DNS TXT record to publish."""
    from service.mail.dkim_keys import generate_keypair, zone_file_line
    from service.settings import get_settings

    settings = get_settings()
    if out.exists() and not typer.confirm(
        f"{out} exists; replace the key (the old DNS record stops verifying)?"
    ):
        raise typer.Exit(1)
    pem, record = generate_keypair()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.write_bytes(pem)
    console.print(f"private key: {out} (set NEWSDESK_DKIM_PRIVATE_KEY_PATH)")
    console.print(
        zone_file_line(selector or settings.dkim_selector, domain or settings.dkim_domain, record)
    )


@deadletter_app.command("list")
def deadletter_list() -> None:
    """Dead letters not yet replayed."""
    from service.campaigns.queries import dead_letters

    table = Table("id", "task", "args", "error")
    for row in dead_letters():
        table.add_row(str(row.id), row.task, str(row.args), row.error.strip().splitlines()[-1][:80])
    console.print(table)


@deadletter_app.command("replay")
def deadletter_replay(letter_id: int) -> None:
    """Enqueue a dead letter's task again with the same arguments."""
    from service.campaigns.queries import replay_dead_letter

    with _errors():
        task = replay_dead_letter(letter_id)
    console.print(f"replayed {letter_id} as {task}")


class _errors:
    """Turn NewsdeskError into a clear message and exit code 2."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: object
    ) -> None:
        if isinstance(exc, NewsdeskError):
            raise fail(str(exc))


if __name__ == "__main__":
    app()

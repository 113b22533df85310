"""The `newsdesk` command line: thin commands over service/, with rich tables and progress."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from service.audience.cli import audience_app
from service.campaigns.cli_campaigns import campaign_app
from service.campaigns.cli_editions import editions_app
from service.cli_support import console, fail, progress_bar, user_errors
from service.inbound.cli import inbound_app
from service.tracking.cli import report_app, webhook_app

app = typer.Typer(help="Newsdesk: newsletters and mailing automation.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
dkim_app = typer.Typer(help="DKIM keys.", no_args_is_help=True)
deadletter_app = typer.Typer(help="Failed work kept for replay.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(campaign_app, name="campaign")
app.add_typer(campaign_app, name="campaign")
app.add_typer(dkim_app, name="dkim")
app.add_typer(deadletter_app, name="deadletter")
app.add_typer(inbound_app, name="inbound")
app.add_typer(audience_app, name="audience")
app.add_typer(editions_app, name="edition")
app.add_typer(report_app, name="report")
app.add_typer(webhook_app, name="webhook")


@app.command()
def demo(
    var_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its database and Maildir.")
    ] = Path("var/demo"),
    subscribers: Annotated[int, typer.Option(min=10, max=100_000)] = 360,
) -> None:
    """Run a full demo campaign on embedded defaults (SQLite, filesystem broker, Maildir)."""
    from service.demo.run import run_demo

    with progress_bar() as bar:
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
    for account in result.accounts:
        console.print(account.line(), markup=False, highlight=False)
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

    with user_errors():
        task = replay_dead_letter(letter_id)
    console.print(f"replayed {letter_id} as {task}")


if __name__ == "__main__":
    app()

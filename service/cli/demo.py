"""`newsdesk demo`: the full demo campaign on embedded defaults."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from service.cli.support import console, fail, progress_bar

if TYPE_CHECKING:
    from service.demo.run import DemoResult


def demo(
    var_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its database and Maildir.")
    ] = Path("var/demo"),
    subscribers: Annotated[int, typer.Option(min=10, max=100_000)] = 360,
    serve: Annotated[
        bool, typer.Option(help="Keep serving the app on the demo's data until Ctrl-C.")
    ] = True,
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Run a full demo campaign on embedded defaults, then serve it (links in its mails work)."""
    from service.demo.run import run_demo

    with progress_bar() as bar:
        task = bar.add_task("sending demo campaign", total=None)
        result = run_demo(
            var_dir,
            subscribers=subscribers,
            public_url=f"http://{host}:{port}",
            progress=lambda done, total: bar.update(task, completed=done, total=total or None),
        )
    _summary(result)
    if serve:
        import uvicorn

        from service.http_server import protocol_path

        console.print(f"serving the demo at [bold]http://{host}:{port}[/] (Ctrl-C to stop)")
        uvicorn.run("service.api.app:app", host=host, port=port, log_level="warning",
                    http=protocol_path())  # fmt: skip


def _summary(result: DemoResult) -> None:
    """The demo's table, and exit 1 when anything is off."""
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

"""`newsdesk report ...` and `newsdesk webhook ...`: campaign reports and webhook replays."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from service import webhooks
from service.db import session_scope
from service.domain.errors import NewsdeskError
from service.inbox.cli import inbox_report
from service.tracking.report_views import to_csv, to_html
from service.tracking.reports import CampaignReport, campaign_report

report_app = typer.Typer(help="Campaign reports: tables, CSV, HTML.", no_args_is_help=True)
webhook_app = typer.Typer(help="Outgoing webhooks: list deliveries, replay.", no_args_is_help=True)
console = Console()
report_app.command("inbox")(inbox_report)


def _load(campaign_id: int) -> CampaignReport:
    """The report, or a clear error and exit code 2."""
    try:
        with session_scope() as session:
            return campaign_report(session, campaign_id=campaign_id)
    except NewsdeskError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None


@report_app.command("show")
def show(campaign_id: int) -> None:
    """Figures per campaign and edition, clicks per announcement and link."""
    report = _load(campaign_id)
    overview = Table(title=f"{report.name} (campaign {campaign_id})")
    overview.add_column("figure")
    overview.add_column("campaign", justify="right")
    for key in report.editions:
        overview.add_column(key, justify="right")
    editions = [asdict(s) for s in report.editions.values()]
    for name, value in asdict(report.total).items():
        overview.add_row(name.replace("_", " "), str(value), *(str(e[name]) for e in editions))
    console.print(overview)
    per_item = Table(title="Human clicks per announcement")
    for column in ("announcement", "unique", "total"):
        per_item.add_column(column)
    for title, (unique, total) in report.announcements.items():
        per_item.add_row(title, str(unique), str(total))
    console.print(per_item)
    links = Table(title="Clicks per link")
    for column in ("edition", "#", "url", "announcement", "unique", "total", "machine"):
        links.add_column(column)
    for li in report.links:
        row = (li.edition_key, li.index, li.url, li.announcement, li.unique, li.total, li.machine)
        links.add_row(*(str(v) for v in row))
    console.print(links)


@report_app.command("csv")
def csv_export(
    campaign_id: int,
    output: Annotated[Path | None, typer.Option(help="file to write; default stdout")] = None,
) -> None:
    """The report as CSV (scope, metric, announcement, link, value)."""
    text = to_csv(_load(campaign_id))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {output}")


@report_app.command("html")
def html_export(
    campaign_id: int, output: Annotated[Path, typer.Option(help="file to write")]
) -> None:
    """The report page as a standalone HTML file (inline SVG charts, no external resources)."""
    output.write_text(to_html(_load(campaign_id)), encoding="utf-8")
    console.print(f"wrote {output}")


@webhook_app.command("add")
def webhook_add(
    url: str,
    secret: Annotated[str, typer.Option(help="shared HMAC secret, >= 16 characters")],
    event: Annotated[list[str] | None, typer.Option(help="event type; repeat; none = all")] = None,
) -> None:
    """Register a webhook endpoint."""
    try:
        with session_scope() as session:
            endpoint = webhooks.add_endpoint(
                session, url=url, secret=secret, event_types=event or []
            )
            console.print(f"endpoint {endpoint.id}: {url}")
    except NewsdeskError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=2) from None


@webhook_app.command("log")
def webhook_log(
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead")] = None,
    limit: int = 50,
) -> None:
    """Recent deliveries with attempts, last status code and next retry."""
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
        raise typer.Exit(code=2) from None
    console.print(f"queued {count} deliveries again")

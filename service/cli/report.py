"""`newsdesk report ...`: campaign reports as tables, CSV and HTML."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from service.cli.support import USER_ERROR, JsonOption, console, print_json
from service.errors import NewsdeskError

if TYPE_CHECKING:
    from service.reports.campaign import CampaignReport

report_app = typer.Typer(help="Campaign reports: tables, CSV, HTML.", no_args_is_help=True)


def _load(campaign_id: int) -> CampaignReport:
    """The report, or a clear error and exit code 1."""
    from service.db import session_scope
    from service.reports.campaign import campaign_report

    try:
        with session_scope() as session:
            return campaign_report(session, campaign_id=campaign_id)
    except NewsdeskError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(code=USER_ERROR) from None


@report_app.command("show")
def show(campaign_id: int, as_json: JsonOption = False) -> None:
    """Figures per campaign and edition, clicks per announcement and link."""
    report = _load(campaign_id)
    if as_json:
        print_json(report)
        return
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
    from service.reports.views import to_csv

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
    from service.reports.views import to_html

    output.write_text(to_html(_load(campaign_id)), encoding="utf-8")
    console.print(f"wrote {output}")

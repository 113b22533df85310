"""`newsdesk report ...`: campaign reports as tables, CSV and HTML."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
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
        overview.add_column(report.edition_names.get(key, key), justify="right")
    editions = [asdict(s) for s in report.editions.values()]
    for name, value in asdict(report.total).items():
        overview.add_row(name.replace("_", " "), str(value), *(str(e[name]) for e in editions))
    console.print(overview)
    console.print(segments_table(report))
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


def segments_table(report: CampaignReport) -> Table:
    """Delivery, human opens, clicks and unsubscribes per segment."""
    table = Table(title="Per segment (a reader counts in each of their segments)")
    for column in ("segment", "sent", "delivered", "human opens", "clicks", "unsubscribes"):
        table.add_column(column, justify="left" if column == "segment" else "right")
    for s in report.segments:
        values = (s.sent, s.delivered, s.unique_human_opens, s.unique_clicks, s.unsubscribes)
        table.add_row(s.name, *(str(v) for v in values))
    return table


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


def _figure(value: float | None, pattern: str) -> str:
    """A figure or a dash."""
    return "-" if value is None else pattern.format(value)


@report_app.command("inbox")
def inbox(
    since: Annotated[
        datetime | None, typer.Option(help="only inquiries received since (ISO)")
    ] = None,
    campaign: Annotated[int | None, typer.Option(help="only inquiries about this campaign")] = None,
) -> None:
    """Inquiries received, median/p90 time to first answer, share within target, open, escalated."""
    from service.db import session_scope
    from service.reports.inbox import inbox_figures

    with session_scope() as session:
        rows = inbox_figures(session, since=since, campaign_id=campaign)
    table = Table(title="Inbox: time to first answer in business hours")
    for column in ("who", "received", "answered", "median h", "p90 h", "within target",
                   "open now", "escalated"):  # fmt: skip
        table.add_column(column, justify="left" if column == "who" else "right")
    for r in rows:
        table.add_row(
            r.who, str(r.received), str(r.answered), _figure(r.median_h, "{:.1f}"),
            _figure(r.p90_h, "{:.1f}"), _figure(r.within_target, "{:.0%}"), str(r.open_now),
            str(r.escalated),
        )  # fmt: skip
    console.print(table)


@report_app.command("dmarc")
def dmarc(
    days: Annotated[int, typer.Option("--days", min=1, help="Reports of the last N days.")] = 30,
    as_json: JsonOption = False,
) -> None:
    """DMARC aggregate reports received: per source IP and From domain, DKIM/SPF, disposition."""
    from service.db import session_scope
    from service.reports.dmarc import dmarc_summary

    with session_scope() as session:
        summary = dmarc_summary(session, days=days)
    if as_json:
        print_json(summary)
        return
    console.print(
        f"{summary.reports} reports from {', '.join(summary.reporters) or 'nobody'} since "
        f"{summary.since:%Y-%m-%d}: {summary.messages} messages, {summary.dmarc_pass} passed DMARC"
    )
    table = Table(title="DMARC aggregate reports per source")
    columns = ("source IP", "From domain", "messages", "DKIM pass/fail", "SPF pass/fail")
    for column in (*columns, "DMARC pass", "disposition", "reported by"):
        table.add_column(column)
    for s in summary.sources:
        table.add_row(
            s.source_ip + ("" if s.ours else " (not ours)"), s.header_from, str(s.messages),
            f"{s.dkim_pass}/{s.dkim_fail}", f"{s.spf_pass}/{s.spf_fail}", f"{s.pass_rate:.0%}",
            ", ".join(f"{k} {v}" for k, v in sorted(s.dispositions.items())),
            ", ".join(s.reporters),
        )  # fmt: skip
    console.print(table)
    for alert in summary.alerts:
        console.print(f"[bold red]alert:[/] {alert}")

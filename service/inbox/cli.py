"""`newsdesk report inbox`: the inbox figures per coordinator and overall, as a table."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from service.db import session_scope
from service.inbox.figures import InboxFigures, inbox_figures

console = Console()


def _fmt(value: float | None, pattern: str) -> str:
    """A figure or a dash."""
    return "-" if value is None else pattern.format(value)


def figures_table(rows: list[InboxFigures]) -> Table:
    """The rich table of the figures (business hours)."""
    table = Table(title="Inbox: time to first answer in business hours")
    for column in ("who", "received", "answered", "median h", "p90 h", "within target",
                   "open now", "escalated"):  # fmt: skip
        table.add_column(column, justify="left" if column == "who" else "right")
    for r in rows:
        table.add_row(
            r.who, str(r.received), str(r.answered), _fmt(r.median_h, "{:.1f}"),
            _fmt(r.p90_h, "{:.1f}"), _fmt(r.within_target, "{:.0%}"), str(r.open_now),
            str(r.escalated),
        )  # fmt: skip
    return table


def inbox_report(
    since: datetime | None = typer.Option(None, help="only inquiries received since (ISO)"),
    campaign: int | None = typer.Option(None, help="only inquiries about this campaign"),
) -> None:
    """Inquiries received, median/p90 time to first answer, share within target, open, escalated."""
    with session_scope() as session:
        rows = inbox_figures(session, since=since, campaign_id=campaign)
    console.print(figures_table(rows))

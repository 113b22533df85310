"""`newsdesk sunset`: who the F6 policy would ask (dry run), or run the daily task now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from service.cli.support import JsonOption, console, fail, print_json


def sunset(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List who would be asked or sunset; change nothing.")
    ] = False,
    now: Annotated[
        str | None, typer.Option("--now", help="Judge as of this ISO 8601 time (catch-up runs).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Sunset policy (STANDARDS F6): re-permission mail, then no more campaigns."""
    from service.settings import get_settings

    try:
        when = datetime.fromisoformat(now) if now else None
    except ValueError:
        raise fail(f"--now: not an ISO 8601 time: {now!r}") from None
    if when is not None and when.tzinfo is None:
        raise fail("--now: give a time zone, e.g. 2026-12-01T04:00:00+00:00")
    settings = get_settings()
    if not dry_run:
        from workers.publish import run_sunset as publish

        if not settings.sunset_enabled:
            raise fail("the sunset policy is off (set NEWSDESK_SUNSET_ENABLED=true to run it)")
        publish(when.isoformat() if when else None)
        console.print("sunset run queued for the worker")
        return
    from service.automation.sunset_run import run_sunset

    run = run_sunset(now=when, dry_run=True)
    if as_json:
        print_json({"enabled": settings.sunset_enabled, **vars(run)})
        return
    state = "on" if settings.sunset_enabled else "off (dry run only)"
    console.print(
        f"sunset policy {state}: after {settings.sunset_after_campaigns} campaigns or "
        f"{settings.sunset_after_months} months without a human open or click; grace "
        f"{settings.sunset_grace_days} days; only subscribers with tracking consent are judged"
    )
    table = Table(title=f"Would be asked ({len(run.asked)})")
    for column in ("subscriber", "email", "language", "inactive since", "campaigns unanswered"):
        table.add_column(column)
    for c in run.asked:
        since = c.inactive_since.date().isoformat()
        table.add_row(str(c.subscriber_id), c.email, c.language, since, str(c.unanswered_campaigns))
    console.print(table)
    console.print(f"would stop mailing (grace over, no answer): {run.sunset or 'nobody'}")
    console.print(f"would keep (engaged since asked): {run.kept or 'nobody'}")

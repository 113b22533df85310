"""`newsdesk digest|welcome|feed|automation ...`: schedules, series, partner feeds, the tick."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from service.cli.support import console, fail, user_errors

digest_app = typer.Typer(help="Digest schedules and their runs.", no_args_is_help=True)
welcome_app = typer.Typer(help="Welcome series after double opt-in.", no_args_is_help=True)
feed_app = typer.Typer(help="Partner feeds that become draft announcements.", no_args_is_help=True)
automation_app = typer.Typer(help="The automation tick (beat runs it).", no_args_is_help=True)

NowOption = Annotated[
    str | None, typer.Option(help="Pretend it is this ISO time (UTC unless an offset is given)")
]


def _now(raw: str | None) -> datetime:
    if raw is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise fail(f"--now: not an ISO time: {raw!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@digest_app.command("add")
def digest_add(
    name: str,
    segment: Annotated[list[str], typer.Option(help="target segment slug (repeat)")],
    cadence: str = "weekly",
    weekday: Annotated[int, typer.Option(help="0 = Monday (weekly)")] = 0,
    day: Annotated[int, typer.Option(help="day of month 1-28 (monthly)")] = 1,
    hour: int = 8,
    timezone: str = "Europe/Berlin",
    list_slug: Annotated[str, typer.Option("--list")] = "newsletter",
    subject_en: str = "Partnership digest, {date}",
    subject_de: str = "Partnerschafts-Digest, {date}",
    needs_approval: bool = False,
) -> None:
    """Create a digest schedule."""
    from service.automation.admin import save_schedule
    from service.db import session_scope

    fields = {
        "name": name,
        "segment_slugs": segment,
        "cadence": cadence,
        "weekday": weekday,
        "day_of_month": day,
        "hour": hour,
        "timezone": timezone,
        "list_slug": list_slug,
        "subject_en": subject_en,
        "subject_de": subject_de,
        "needs_approval": needs_approval,
    }
    with user_errors(), session_scope() as session:
        row = save_schedule(session, fields=fields)
        console.print(f"digest schedule {row.id} created")


@digest_app.command("list")
def digest_list(now: NowOption = None) -> None:
    """Schedules with their next run."""
    from service.automation.admin import schedules
    from service.automation.periods import next_occurrence
    from service.db import session_scope

    table = Table("id", "name", "cadence", "list", "segments", "next run", "approval")
    with session_scope() as session:
        for row in schedules(session):
            table.add_row(
                str(row.id),
                row.name,
                row.cadence,
                row.list_slug,
                ", ".join(row.segment_slugs),
                next_occurrence(row, now=_now(now)).isoformat(timespec="minutes"),
                "needed" if row.needs_approval else "-",
            )
    console.print(table)


@digest_app.command("run-due")
def digest_run_due(now: NowOption = None) -> None:
    """Plan every due digest period now (what beat does); prints each run."""
    from service.automation.runner import run_due_digests

    with user_errors():
        runs = run_due_digests(now=_now(now))
    for run in runs:
        console.print(
            f"schedule {run.schedule_id} {run.period_key}: {run.status}"
            f" campaign={run.campaign_id} recipients={run.recipients}"
            + (f" ({run.note})" if run.note else ""),
            markup=False,
        )
    if not runs:
        console.print("no digest is due")


@welcome_app.command("add")
def welcome_add(
    name: str,
    language: str = "en",
    list_slug: Annotated[str, typer.Option("--list")] = "newsletter",
) -> None:
    """Create a welcome series for a list and language."""
    from service.automation.admin import save_series
    from service.db import session_scope

    with user_errors(), session_scope() as session:
        row = save_series(session, name=name, list_slug=list_slug, language=language)
        console.print(f"welcome series {row.id} created")


@welcome_app.command("step")
def welcome_step(
    series_id: int,
    position: int,
    subject: str,
    body: Annotated[str, typer.Option(help="Markdown template")] = "",
    delay_minutes: int = 0,
) -> None:
    """Add or change a step of a series."""
    from service.automation.admin import save_step
    from service.db import session_scope

    with user_errors(), session_scope() as session:
        save_step(
            session,
            series_id=series_id,
            position=position,
            delay_minutes=delay_minutes,
            subject=subject,
            body=body,
        )
        console.print(f"step {position} of series {series_id} saved")


@feed_app.command("add")
def feed_add(
    name: str,
    url: str,
    language: Annotated[str | None, typer.Option(help="de, en or unset (detect)")] = None,
) -> None:
    """Register a partner feed."""
    from service.automation.feeds import add_feed
    from service.db import session_scope

    with user_errors(), session_scope() as session:
        row = add_feed(session, name=name, url=url, language=language)
        console.print(f"feed {row.id} registered")


@feed_app.command("fetch")
def feed_fetch(feed_id: Annotated[int | None, typer.Argument()] = None) -> None:
    """Fetch one feed (or all) now; prints drafts created and the feed's state."""
    from service.automation.feeds import fetch_all, fetch_one
    from service.settings import get_settings

    with user_errors():
        if feed_id is None:
            console.print(fetch_all(settings=get_settings()))
            return
        created = fetch_one(feed_id=feed_id, settings=get_settings())
    console.print(f"feed {feed_id}: {created} new draft(s)")


@automation_app.command("tick")
def automation_tick(now: NowOption = None) -> None:
    """Triggers, due digests and due welcome steps at `--now`; the sends go to the workers."""
    from service.automation.runner import tick
    from service.settings import get_settings
    from workers.publish import send_deliveries

    with user_errors():
        work = tick(now=_now(now), settings=get_settings())
    for step in work:
        for first, last in step.ranges:
            send_deliveries(step.campaign_id, first, last)
    console.print(f"{sum(len(s.ranges) for s in work)} send batch(es) published")

"""`newsdesk campaign ...`: list, inspect, schedule, pause, resume, cancel, follow progress."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from service.cli.support import JsonOption, console, print_json, progress_bar, user_errors
from service.errors import NewsdeskError

campaign_app = typer.Typer(
    help="Campaigns: list, inspect, schedule, pause, resume, cancel.", no_args_is_help=True
)


@campaign_app.command("list")
def campaign_list(as_json: JsonOption = False) -> None:
    """All campaigns with status and delivery counts."""
    from service.campaigns.queries import campaign_overview

    if as_json:
        print_json(campaign_overview())
        return
    table = Table("id", "name", "status", "send at", "sent", "open", "failed")
    for row in campaign_overview():
        table.add_row(
            str(row.id),
            row.name,
            row.label,
            row.send_at or "-",
            str(row.sent),
            str(row.open),
            str(row.failed),
        )
    console.print(table)


@campaign_app.command("show")
def campaign_show(campaign_id: int, as_json: JsonOption = False) -> None:
    """One campaign in detail."""
    from service.campaigns.queries import campaign_detail
    from service.db import session_scope

    with user_errors(), session_scope() as session:
        detail = campaign_detail(session, campaign_id=campaign_id)
    if as_json:
        print_json(detail)
        return
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
    override_complaint_gate: Annotated[
        str | None,
        typer.Option(help="REASON to schedule although the complaint gate blocks (audited)"),
    ] = None,
) -> None:
    """Schedule a draft campaign."""
    from service.campaigns.authoring import schedule
    from service.db import session_scope

    with user_errors(), session_scope() as session:
        try:
            when = datetime.fromisoformat(at) if at else None
        except ValueError:
            raise NewsdeskError(f"not an ISO time: {at!r} (e.g. 2026-12-01T09:00)") from None
        campaign = schedule(
            session,
            campaign_id=campaign_id,
            send_at=when,
            override_gate=override_complaint_gate,
            actor="admin-cli",
        )
        local = campaign.send_at.astimezone(ZoneInfo(campaign.timezone))  # type: ignore[union-attr]
        console.print(
            f"campaign {campaign_id} scheduled for {local:%Y-%m-%d %H:%M} {campaign.timezone}"
            f" ({campaign.send_at:%H:%M} UTC)"
        )


def _act(campaign_id: int, action: str, confirm: bool) -> None:
    from service.campaigns.authoring import act
    from service.db import session_scope
    from service.domain.campaign_states import CampaignAction

    if confirm and not typer.confirm(f"{action} campaign {campaign_id}?"):
        raise typer.Exit(1)
    with user_errors(), session_scope() as session:
        act(
            session,
            campaign_id=campaign_id,
            action=CampaignAction(action),
            actor_id=None,
            reason=f"{action} via CLI",
        )
    from workers.publish import after_campaign_action

    after_campaign_action(campaign_id, action)  # after session_scope() committed
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
def campaign_status(campaign_id: int, follow: bool = True, as_json: JsonOption = False) -> None:
    """Live progress bar of a campaign's deliveries until it stops sending (--json: one
    snapshot, now)."""
    from service.campaigns.queries import progress_snapshot

    if as_json:
        with user_errors():
            print_json(progress_snapshot(campaign_id))
        return
    with user_errors(), progress_bar() as bar:
        task = bar.add_task(f"campaign {campaign_id}", total=None)
        while True:
            snap = progress_snapshot(campaign_id)
            bar.update(
                task,
                completed=snap.done,
                total=snap.total or None,
                description=f"campaign {campaign_id} [{snap.status}]"
                + (f" [yellow]{snap.warning}[/]" if snap.warning else ""),
            )
            if not follow or snap.status not in ("scheduled", "sending"):
                break
            time.sleep(0.5)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(snap.counts.items())) or "no deliveries yet"
    console.print(f"campaign {campaign_id}: {snap.status}; {counts}")
    if snap.warning:
        console.print(f"[yellow]warning:[/] {snap.warning}")

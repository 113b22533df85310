"""Scheduling from the newsroom: a wall-clock time in a chosen time zone, versioned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.accounts.errors import N_, FormProblem
from service.campaigns.authoring import schedule
from service.campaigns.campaign_form import check_zone
from service.campaigns.lifecycle import get_campaign
from service.models import Campaign
from service.versioning import ensure_current


def parse_local_time(raw: str) -> datetime | None:
    """'2026-12-24T09:00' as a naive wall-clock time; '' means now."""
    if not raw.strip():
        return None
    try:
        return datetime.fromisoformat(raw.strip()).replace(tzinfo=None)
    except ValueError:
        raise FormProblem(
            {"send_at": (N_("Enter a date and time like 2026-12-24 09:00."), {})}
        ) from None


def schedule_in_zone(
    session: Session,
    *,
    campaign_id: int,
    local_time: str,
    zone: str,
    actor_id: int | None,
    version: int | None,
) -> Campaign:
    """Schedule at `local_time` in `zone` (empty: now); the zone becomes the campaign's."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    check_zone(zone, errors)
    if errors:
        raise FormProblem(errors)
    when = parse_local_time(local_time)
    campaign = get_campaign(session, campaign_id=campaign_id, lock=True)
    ensure_current(session, row=campaign, expected=version, kind="campaign")
    campaign.timezone = zone
    session.add(campaign)
    session.flush()
    return schedule(session, campaign_id=campaign_id, send_at=when, actor_id=actor_id)

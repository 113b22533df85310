"""Read models for the CLI and API: overviews, progress, dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from service.campaigns.dispatch import status_counts
from service.campaigns.lifecycle import get_campaign
from service.campaigns.picks import picked_ids
from service.db import session_scope
from service.errors import NotFound
from service.models import Campaign, DeadLetter
from service.models._common import as_utc, utcnow
from service.settings import Settings, get_settings

WELCOME_STEP = "automation · welcome step"


def is_welcome_step(campaign: Campaign) -> bool:
    """A welcome step's campaign stays in `sending` while enrolments feed it: an automation,
    not a running send (paused or cancelled steps show their state)."""
    return campaign.cadence == "series" and campaign.status == "sending"


def shown_status(campaign: Campaign) -> str:
    """What a campaign list shows: the state, or the automation label for a welcome step."""
    return WELCOME_STEP if is_welcome_step(campaign) else str(campaign.status)


@dataclass(frozen=True)
class CampaignLine:
    """One campaign in a list."""

    id: int
    name: str
    status: str
    send_at: str | None
    sent: int
    open: int
    failed: int
    label: str = ""  # the state, or "automation · welcome step"


@dataclass(frozen=True)
class Progress:
    """Where a campaign's deliveries stand."""

    status: str
    done: int
    total: int
    counts: dict[str, int]
    warning: str | None = None  # why nothing moves, when nothing has for too long


def campaign_overview() -> list[CampaignLine]:
    """All campaigns, newest first, with delivery counts."""
    with session_scope() as session:
        lines = []
        for c in session.exec(select(Campaign).order_by(Campaign.id.desc())):  # type: ignore[union-attr]
            assert c.id is not None
            counts = status_counts(session, campaign_id=c.id)
            lines.append(
                CampaignLine(
                    c.id,
                    c.name,
                    c.status,
                    c.send_at.isoformat() if c.send_at else None,
                    counts.get("sent", 0),
                    counts.get("queued", 0) + counts.get("claimed", 0),
                    counts.get("failed", 0),
                    shown_status(c),
                )
            )
        return lines


def campaign_detail(session: Session, *, campaign_id: int) -> dict[str, Any]:
    """The one campaign-detail query of API and CLI: the campaign's fields, its picked
    announcements (empty: every approved one) and its delivery counts."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    return {
        **campaign.model_dump(),
        "announcements": picked_ids(session, campaign_id=campaign_id),
        "deliveries": status_counts(session, campaign_id=campaign_id),
    }


def progress_snapshot(campaign_id: int) -> Progress:
    """Counts for a progress bar."""
    with session_scope() as session:
        campaign = get_campaign(session, campaign_id=campaign_id)
        counts = status_counts(session, campaign_id=campaign_id)
    done = sum(counts.get(k, 0) for k in ("sent", "failed", "skipped"))
    warning = pickup_warning(campaign, settings=get_settings())
    return Progress(campaign.status, done, sum(counts.values()), counts, warning)


def pickup_warning(campaign: Campaign, *, settings: Settings) -> str | None:
    """Due but never started, or sending with no worker progress: say so, and what to run."""
    now = utcnow()
    send_at, heartbeat = as_utc(campaign.send_at), as_utc(campaign.heartbeat_at)
    if campaign.status == "scheduled" and send_at is not None:
        late = (now - send_at).total_seconds()
        if late > max(3 * settings.scan_interval_s, 15.0):
            return (
                f"due {late:.0f} s ago and not started: no beat/worker has picked it up "
                "(are `newsdesk beat` and `newsdesk worker` running on this broker?)"
            )
    if campaign.status == "sending" and heartbeat is not None:
        quiet = (now - heartbeat).total_seconds()
        if quiet > settings.stale_claim_s:
            return f"no worker progress for {quiet:.0f} s (is `newsdesk worker` running?)"
    return None


def dead_letters() -> list[DeadLetter]:
    """Dead letters not yet replayed, oldest first."""
    with session_scope() as session:
        return list(
            session.exec(
                select(DeadLetter)
                .where(col(DeadLetter.replayed_at).is_(None))
                .order_by(col(DeadLetter.id))
            )
        )


class DeadCall(NamedTuple):
    """A failed task call to publish again."""

    task: str
    args: list[Any]
    kwargs: dict[str, Any]


def mark_dead_letter_replayed(letter_id: int) -> DeadCall:
    """Mark a dead letter replayed and commit; the caller then publishes the returned call."""
    with session_scope() as session:
        letter = session.get(DeadLetter, letter_id)
        if letter is None:
            raise NotFound(f"dead letter {letter_id} does not exist")
        letter.replayed_at = utcnow()
        task, args = letter.task, letter.args
    return DeadCall(task, list(args.get("args", [])), dict(args.get("kwargs", {})))

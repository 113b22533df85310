"""A campaign paused by temporary failures resumes itself with backoff (issue 15, finding 5).

The sender pauses after MAX_CONSECUTIVE_ERRORS failures in a row; when those were temporary
(4xx: the deliveries wait in the queue for a retry, none failed for good), beat resumes the
campaign after a backoff that doubles each time, and says so in the campaign's history. An
operator's own pause carries their reason, not the sender's, and is never resumed here; after
`auto_resume_max` attempts the campaign stays paused for a person to decide.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.campaigns.history import history, record
from service.campaigns.lifecycle import apply_action
from service.domain.campaign_states import CampaignAction
from service.models import Campaign, Delivery, DeliveryStatus
from service.models._common import utcnow
from service.models.campaign import CampaignStatus
from service.settings import Settings

log = logging.getLogger(__name__)
SENDER_PAUSE = "consecutive send errors"  # the sender's automatic reason (sender.py)
PAUSE_SEEN, RESUMED, GAVE_UP = "auto-pause", "auto-resume", "auto-resume-stopped"


def resume_due(session: Session, *, settings: Settings, now: datetime | None = None) -> list[int]:
    """Resume the temporarily paused campaigns whose backoff has passed; their ids."""
    now = now or utcnow()
    paused = session.exec(
        select(Campaign).where(
            Campaign.status == CampaignStatus.PAUSED,
            col(Campaign.status_reason).contains(SENDER_PAUSE),
        )
    ).all()
    return [c.id for c in paused if c.id is not None and _step(session, c, settings, now)]


def _step(session: Session, campaign: Campaign, settings: Settings, now: datetime) -> bool:
    """Note the pause, or resume it when due; True when resumed."""
    assert campaign.id is not None
    events = history(session, campaign_id=campaign.id)
    resumes = sum(e.kind == RESUMED for e in events)
    last = events[-1] if events else None
    if last is not None and last.kind == GAVE_UP:
        return False
    if last is None or last.kind != PAUSE_SEEN:  # a new pause: decide what it is
        return _note(session, campaign, settings, resumes)
    delay = _backoff(settings, resumes)
    if now < _aware(last.created_at) + timedelta(seconds=delay):
        return False
    apply_action(session, campaign_id=campaign.id, action=CampaignAction.RESUME)
    record(
        session,
        campaign_id=campaign.id,
        kind=RESUMED,
        detail=f"resumed automatically after a pause for temporary failures ({delay:g} s backoff,"
        f" attempt {resumes + 1} of {settings.auto_resume_max})",
    )
    log.warning("campaign %s resumed after temporary failures", campaign.id)
    return True


def _note(session: Session, campaign: Campaign, settings: Settings, resumes: int) -> bool:
    """Record the pause and what happens next."""
    assert campaign.id is not None
    if resumes >= settings.auto_resume_max or not _temporary(session, campaign_id=campaign.id):
        detail = (
            "paused for failures that were not temporary: waiting for an operator"
            if resumes < settings.auto_resume_max
            else f"{resumes} automatic resumes did not help: waiting for an operator"
        )
        record(session, campaign_id=campaign.id, kind=GAVE_UP, detail=detail)
        return False
    delay = _backoff(settings, resumes)
    record(
        session,
        campaign_id=campaign.id,
        kind=PAUSE_SEEN,
        detail=f"paused for temporary failures ({campaign.status_reason}); resuming in {delay:g} s",
    )
    return False


def _temporary(session: Session, *, campaign_id: int) -> bool:
    """True when the errors behind the pause were temporary: retries waiting, none failed."""

    def errors(status: str) -> int:
        return int(
            session.exec(
                select(sa.func.count()).where(
                    Delivery.campaign_id == campaign_id,
                    Delivery.status == status,
                    col(Delivery.last_error).is_not(None),
                )
            ).one()
        )

    return errors(DeliveryStatus.QUEUED) > 0 and errors(DeliveryStatus.FAILED) == 0


def _backoff(settings: Settings, resumes: int) -> float:
    """Doubling delay, capped at an hour."""
    return float(min(3600.0, settings.auto_resume_base_s * (2**resumes)))


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive UTC timestamps back."""
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

"""A campaign whose every batch fails pauses itself with the reason (issue 15, finding 12).

A send or fan-out task that fails with a deterministic error (a header value the builder
refuses, an edition that cannot render) fails the same way on every retry and every recovery
sweep. The failure is written to the campaign's history; the campaign pauses when nothing of
it was ever sent, or when the previous batch failed too with nothing sent in between.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.campaigns.history import record
from service.db import session_scope
from service.domain.campaign_states import CampaignAction
from service.errors import InvalidTransition, NotFound, TemplateProblem
from service.models import Campaign, CampaignEvent, Delivery, DeliveryStatus
from service.models.campaign import CampaignStatus

log = logging.getLogger(__name__)
BATCH_FAILED = "batch-failed"


def after_batch_failure(*, campaign_id: int, task: str, error: BaseException) -> bool:
    """Record the failure; pause the campaign when its batches keep failing. True if paused."""
    detail = f"{task} failed: {type(error).__name__}: {error}"[:1500]
    with session_scope() as session:
        campaign = session.get(Campaign, campaign_id, with_for_update=True)
        if campaign is None or campaign.status != CampaignStatus.SENDING:
            return False
        last_sent = _last_sent(session, campaign_id=campaign_id)
        earlier = _failures_since(session, campaign_id=campaign_id, since=last_sent)
        record(session, campaign_id=campaign_id, kind=BATCH_FAILED, detail=detail)
        if isinstance(error, TemplateProblem):  # the same edition fails on every retry
            return _pause(session, campaign_id=campaign_id, detail=detail,
                          reason=f"paused: an edition cannot be rendered ({error})")  # fmt: skip
        if last_sent is not None and earlier == 0:
            return False  # mail went out since the last failure: maybe one bad batch
        return _pause(session, campaign_id=campaign_id, detail=detail)


def _pause(session: Session, *, campaign_id: int, detail: str, reason: str = "") -> bool:
    """Pause with the failure as the reason."""
    from service.campaigns.lifecycle import apply_action

    reason = (reason or f"paused: every send batch fails ({detail})")[:1900]
    try:
        apply_action(session, campaign_id=campaign_id, action=CampaignAction.PAUSE, reason=reason)
    except (InvalidTransition, NotFound):
        return False
    log.warning("campaign %s %s", campaign_id, reason)
    return True


def _last_sent(session: Session, *, campaign_id: int) -> object | None:
    """When this campaign last had a message accepted by the relay."""
    return session.exec(
        select(sa.func.max(Delivery.sent_at)).where(
            Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.SENT
        )
    ).one()


def _failures_since(session: Session, *, campaign_id: int, since: object | None) -> int:
    """Batch failures recorded since `since` (all of them when nothing was sent)."""
    stmt = select(sa.func.count()).where(
        CampaignEvent.campaign_id == campaign_id, CampaignEvent.kind == BATCH_FAILED
    )
    if since is not None:
        stmt = stmt.where(col(CampaignEvent.created_at) > since)
    return int(session.exec(stmt).one())

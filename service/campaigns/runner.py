"""Orchestration steps the task adapters call; each returns what to enqueue after its commit."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select

from service.campaigns.dispatch import queued_ranges, release_stale_claims
from service.campaigns.editions import ensure_editions
from service.campaigns.fanout import FanoutStep, fan_out_chunk
from service.campaigns.lifecycle import finish_if_complete, get_campaign, start_due
from service.db import session_scope
from service.models import Campaign
from service.models._common import utcnow
from service.models.campaign import CampaignStatus
from service.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Recovery:
    """Work to re-enqueue for a sending campaign whose tasks were lost."""

    campaign_id: int
    needs_fanout: bool
    ranges: list[tuple[int, int]] = field(default_factory=list)


def start_due_campaigns() -> list[int]:
    """Move due campaigns to sending; the caller enqueues a fan-out for each."""
    with session_scope() as session:
        return start_due(session, now=utcnow())


def fan_out_next(
    *, campaign_id: int, settings: Settings
) -> tuple[FanoutStep, list[tuple[int, int]]]:
    """One fan-out chunk plus its editions, committed; then the send ranges for it."""
    with session_scope() as session:
        step = fan_out_chunk(
            session, campaign_id=campaign_id, chunk_size=settings.fanout_chunk_size
        )
        if step.edition_keys:
            campaign = get_campaign(session, campaign_id=campaign_id)
            ensure_editions(session, campaign=campaign, keys=step.edition_keys, settings=settings)
    if step.first_delivery_id is None:
        return step, []
    with session_scope() as session:
        ranges = list(
            queued_ranges(
                session,
                campaign_id=campaign_id,
                batch_size=settings.send_batch_size,
                first_id=step.first_delivery_id,
                last_id=step.last_delivery_id,
            )
        )
    return step, ranges


def complete_if_done(*, campaign_id: int) -> bool:
    """Mark the campaign sent when nothing is left open."""
    with session_scope() as session:
        return finish_if_complete(session, campaign_id=campaign_id)


def all_queued_ranges(*, campaign_id: int, settings: Settings) -> list[tuple[int, int]]:
    """Every queued range of a campaign (used on resume and recovery)."""
    with session_scope() as session:
        return list(
            queued_ranges(session, campaign_id=campaign_id, batch_size=settings.send_batch_size)
        )


def stalled_campaigns(*, settings: Settings) -> list[Recovery]:
    """Sending campaigns with no heartbeat for stale_claim_s: release claims, re-enqueue work."""
    cutoff = utcnow() - timedelta(seconds=settings.stale_claim_s)
    recoveries = []
    with session_scope() as session:
        stalled = session.exec(
            select(Campaign).where(
                Campaign.status == CampaignStatus.SENDING,
                sa.or_(col(Campaign.heartbeat_at).is_(None), col(Campaign.heartbeat_at) < cutoff),
            )
        ).all()
        for campaign in stalled:
            assert campaign.id is not None
            release_stale_claims(
                session, campaign_id=campaign.id, older_than_s=settings.stale_claim_s
            )
            campaign.heartbeat_at = utcnow()
            session.add(campaign)
            recoveries.append(Recovery(campaign.id, needs_fanout=not campaign.fanout_done))
    done = {r.campaign_id for r in recoveries}
    recoveries += [r for r in _orphaned(settings=settings) if r.campaign_id not in done]
    done = {r.campaign_id for r in recoveries}
    recoveries += [r for r in _lost_with_redis(settings=settings) if r.campaign_id not in done]
    for recovery in recoveries:
        recovery.ranges = all_queued_ranges(campaign_id=recovery.campaign_id, settings=settings)
    return recoveries


def _orphaned(*, settings: Settings) -> list[Recovery]:
    """Sending campaigns holding claims no live batch lease covers: a worker died (liveness)."""
    from service.campaigns.liveness import live_ranges, redis_for, release_orphaned_claims

    client = redis_for(settings)
    leased = live_ranges(client, settings=settings) if client is not None else None
    if leased is None:
        return []  # no Redis, or just restarted: the stale-claim timeout above still applies
    found = []
    with session_scope() as session:
        sending = session.exec(
            select(Campaign.id).where(Campaign.status == CampaignStatus.SENDING)
        ).all()
        for campaign_id in sending:
            assert campaign_id is not None
            released = release_orphaned_claims(
                session, campaign_id=campaign_id, leased=leased.get(campaign_id, []),
                settings=settings,
            )  # fmt: skip
            if released:
                log.warning("campaign %s: %d claims of a dead worker released", campaign_id,
                            len(released))  # fmt: skip
                ranges = _ranges_of(released, settings.send_batch_size)
                found.append(Recovery(campaign_id, needs_fanout=False, ranges=ranges))
    return found


def _ranges_of(ids: list[int], size: int) -> list[tuple[int, int]]:
    """Sorted ids in (first, last) ranges of at most `size` ids."""
    ordered = sorted(ids)
    chunks = (ordered[i : i + size] for i in range(0, len(ordered), size))
    return [(chunk[0], chunk[-1]) for chunk in chunks]


_last_busy_sweep = [0.0]  # per process: monotonic time of the last sweep from a send batch


def orphaned_work(*, settings: Settings) -> list[Recovery]:
    """From a finishing send batch, at most once per lease TTL: dead workers' claims released.

    The beat's sweep is a task on the default queue; on a busy worker it waits behind send
    batches (ticks expire after a few periods), so a dead worker's claims could wait for the
    end of the campaign. A live send batch is where a busy worker has time to look; only the
    released rows' ranges are returned (the rest of the campaign still has its tasks).
    """
    now = time.monotonic()
    if now - _last_busy_sweep[0] < settings.lease_ttl_s:
        return []
    _last_busy_sweep[0] = now
    return _orphaned(settings=settings)


def _lost_with_redis(*, settings: Settings) -> list[Recovery]:
    """Every sending campaign when the broker's Redis lost its data: its queued tasks are gone."""
    from service.campaigns.liveness import broker_data_lost

    if not broker_data_lost(settings):
        return []
    with session_scope() as session:
        sending = session.exec(
            select(Campaign.id, Campaign.fanout_done).where(
                Campaign.status == CampaignStatus.SENDING
            )
        ).all()
    if sending:
        log.warning("Redis lost its data (no %s): re-enqueueing %d sending campaigns",
                    "sentinel", len(sending))  # fmt: skip
    return [Recovery(int(cid), needs_fanout=not done) for cid, done in sending if cid is not None]


def retry_delay(*, attempt: int, base_s: float, cap_s: float = 300.0) -> float:
    """Exponential backoff with jitter, bounded."""
    return float(min(cap_s, base_s * (2**attempt)) * random.uniform(0.5, 1.5))

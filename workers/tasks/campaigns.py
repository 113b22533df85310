"""Campaign tasks: thin adapters from ids to service.campaigns, enqueueing only after commits."""

from __future__ import annotations

import logging

from service.campaigns import runner
from service.campaigns.batch_failures import after_batch_failure
from service.campaigns.liveness import batch_lease
from service.campaigns.sender import send_range
from service.mail.smtp_pool import get_pool
from service.settings import get_settings
from workers.celery_app import celery_app
from workers.tasks.base import NewsdeskTask

log = logging.getLogger(__name__)


@celery_app.task(name="newsdesk.scan_due", base=NewsdeskTask)
def scan_due() -> None:
    """Start due campaigns and re-enqueue work of campaigns whose tasks were lost."""
    for campaign_id in runner.start_due_campaigns():
        fan_out.delay(campaign_id)
    for campaign_id in _resume_temporarily_paused():
        redispatch.delay(campaign_id)
    for recovery in runner.stalled_campaigns(settings=get_settings()):
        log.warning(
            "recovering campaign %s (%d ranges)", recovery.campaign_id, len(recovery.ranges)
        )
        if recovery.needs_fanout:
            fan_out.delay(recovery.campaign_id)
        for first, last in recovery.ranges:
            send_batch.delay(recovery.campaign_id, first, last)
        runner.complete_if_done(campaign_id=recovery.campaign_id)


def _deterministic(exc: Exception) -> bool:
    """An error that will recur on every retry (not a database or network outage)."""
    from sqlalchemy.exc import DBAPIError

    return not isinstance(exc, DBAPIError | OSError)


def _resume_temporarily_paused() -> list[int]:
    """Campaigns paused for temporary failures whose backoff passed (committed before enqueue)."""
    from service.campaigns.auto_resume import resume_due
    from service.db import session_scope

    with session_scope() as session:
        return resume_due(session, settings=get_settings())


@celery_app.task(name="newsdesk.fan_out", base=NewsdeskTask)
def fan_out(campaign_id: int) -> None:
    """Create deliveries chunk by chunk, rendering new editions and dispatching as it goes."""
    try:
        _fan_out(campaign_id)
    except Exception as exc:
        if _deterministic(exc):
            after_batch_failure(campaign_id=campaign_id, task="fan-out", error=exc)
        raise


def _fan_out(campaign_id: int) -> None:
    settings = get_settings()
    while True:
        step, ranges = runner.fan_out_next(campaign_id=campaign_id, settings=settings)
        for first, last in ranges:
            send_batch.delay(campaign_id, first, last)
        if step.done:
            break
    runner.complete_if_done(campaign_id=campaign_id)


@celery_app.task(name="newsdesk.send_batch", base=NewsdeskTask)
def send_batch(campaign_id: int, first_id: int, last_id: int, attempt: int = 0) -> dict[str, int]:
    """Send one range of deliveries over this process's pooled SMTP connections."""
    settings = get_settings()
    try:
        # the lease tells the recovery sweep this range is alive (liveness.py)
        with batch_lease(settings, campaign_id=campaign_id, first_id=first_id, last_id=last_id):
            result = send_range(
                campaign_id=campaign_id,
                first_id=first_id,
                last_id=last_id,
                settings=settings,
                transport=get_pool(settings),
            )
    except Exception as exc:
        if _deterministic(exc):  # pauses the campaign when its batches keep failing
            after_batch_failure(campaign_id=campaign_id, task="send batch", error=exc)
        raise
    if result.retry_ids:
        delay = runner.retry_delay(attempt=attempt, base_s=settings.retry_base_s)
        send_batch.apply_async(
            (campaign_id, min(result.retry_ids), max(result.retry_ids), attempt + 1),
            countdown=delay,
        )
    for recovery in runner.orphaned_work(settings=settings):  # a dead worker's claims
        for first, last in recovery.ranges:
            send_batch.delay(recovery.campaign_id, first, last)
    runner.complete_if_done(campaign_id=campaign_id)
    return {
        "sent": result.sent,
        "failed": result.failed,
        "skipped": result.skipped,
        "retry": len(result.retry_ids),
    }


@celery_app.task(name="newsdesk.resume", base=NewsdeskTask)
def redispatch(campaign_id: int) -> None:
    """After a resume: fan out what remains and send every queued delivery."""
    settings = get_settings()
    fan_out.delay(campaign_id)
    for first, last in runner.all_queued_ranges(campaign_id=campaign_id, settings=settings):
        send_batch.delay(campaign_id, first, last)

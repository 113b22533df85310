"""Automation tasks: triggers, digests and welcome steps on one tick; partner feeds."""

from __future__ import annotations

from service.automation import runner
from service.automation.feeds import fetch_all
from service.models._common import utcnow
from service.settings import get_settings
from workers.celery_app import celery_app
from workers.tasks.base import NewsdeskTask
from workers.tasks.campaigns import send_batch


@celery_app.task(name="newsdesk.automation_tick", base=NewsdeskTask)
def automation_tick() -> dict[str, int]:
    """Handle trigger events, plan due digests, queue due welcome steps; send after commit."""
    work = runner.tick(now=utcnow(), settings=get_settings())
    for step in work:
        for first, last in step.ranges:
            send_batch.delay(step.campaign_id, first, last)
    return {"step_batches": sum(len(s.ranges) for s in work)}


@celery_app.task(name="newsdesk.fetch_feeds", base=NewsdeskTask)
def fetch_feeds() -> dict[str, int]:
    """Fetch every active partner feed; new items become draft announcements."""
    return fetch_all(settings=get_settings())

"""Tracking tasks: drain the Redis buffer into the database; deliver outgoing webhooks."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from service import webhooks
from service.settings import get_settings
from service.tracking import ingest
from workers.celery_app import celery_app

log = logging.getLogger(__name__)


@celery_app.task(name="newsdesk.ingest_tracking")
def ingest_tracking() -> dict[str, int]:
    """Insert buffered opens and clicks; on a database outage they wait in Redis for the next run.

    Not a NewsdeskTask: a failed run needs no dead letter, its entries stay pending in the
    stream and the next beat tick inserts them.
    """
    settings = get_settings()
    if not settings.redis_url:
        return {"read": 0, "stored": 0, "dropped": 0}  # events were written directly
    try:
        done = ingest.drain(settings)
    except sa.exc.OperationalError as exc:
        log.warning("tracking ingestion waits for the database: %s", str(exc).splitlines()[0])
        return {"read": 0, "stored": 0, "dropped": 0}
    return {"read": done.read, "stored": done.stored, "dropped": done.dropped}


@celery_app.task(name="newsdesk.deliver_webhooks")
def deliver_webhooks() -> dict[str, int]:
    """Post due webhook deliveries; failures are rescheduled in their own rows, not retried here."""
    try:
        run = webhooks.deliver_due(settings=get_settings())
    except sa.exc.OperationalError as exc:
        log.warning("webhook delivery waits for the database: %s", str(exc).splitlines()[0])
        return {"delivered": 0, "retried": 0, "dead": 0}
    return {"delivered": run.delivered, "retried": run.retried, "dead": run.dead}

"""GET /metrics: Prometheus text with the backlogs (queues, tracking buffer, inbound mail)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from service.metrics import QUEUES, BacklogCollector, exposition
from service.settings import Settings, get_settings

router = APIRouter(tags=["ops"])


@router.get("/metrics", response_class=Response)
async def metrics() -> Response:
    """Counters and backlog gauges in the Prometheus text format."""
    body = await run_in_threadpool(exposition, backlog(get_settings()))
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")


def backlog(settings: Settings) -> BacklogCollector:
    """What waits: Celery messages per queue, buffered tracking events, unprocessed inbound."""
    return BacklogCollector(
        {
            "newsdesk_queue_depth": lambda: queue_depths(settings),
            "newsdesk_tracking_backlog": lambda: {"": float(_tracking_backlog(settings))},
            "newsdesk_inbound_unprocessed": lambda: {"": float(_inbound_unprocessed())},
        }
    )


def queue_depths(settings: Settings) -> dict[str, float]:
    """Messages waiting per Celery queue (Redis lists, or files of the embedded broker)."""
    if settings.broker_url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(settings.broker_url, socket_timeout=2)
        return {q: float(client.llen(q)) for q in QUEUES}
    folder = Path(settings.broker_dir).resolve() / "queue"
    names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    return {q: float(sum(1 for n in names if n.endswith(f".{q}.msg"))) for q in QUEUES}


def _tracking_backlog(settings: Settings) -> int:
    """Entries in the tracking stream: ingested ones are deleted, so all of them still wait."""
    if not settings.redis_url:
        return 0  # no buffer: events are written straight to the database
    import redis

    return int(redis.Redis.from_url(settings.redis_url, socket_timeout=2).xlen(
        settings.tracking_stream
    ))  # fmt: skip


def _inbound_unprocessed() -> int:
    from service.db import get_engine
    from service.models import InboundMessage, InboundStatus
    from service.models._common import table_of

    table = table_of(InboundMessage)
    query = sa.select(sa.func.count()).where(table.c.status == InboundStatus.RECEIVED.value)
    with get_engine().connect() as conn:
        return int(conn.execute(query).scalar_one())

"""Batch leases in Redis: the recovery sweep learns within seconds that a worker died.

Before: claims of a killed worker went back to the queue only once STALE_CLAIM_S (120 s) had
passed, because the database cannot tell a slow worker from a dead one. Now each send batch
holds a lease key (`newsdesk:lease:<id>` = campaign and delivery-id range) that a thread of the
worker process rewrites every `lease_refresh_s` with a TTL of `lease_ttl_s`. A claim older than
the TTL that no live lease covers belongs to a dead process and is released at once.

A Redis restart drops every lease; live workers rewrite theirs within one refresh, so the
sweep trusts the absence of a lease only once the leases' epoch key is older than the TTL.

An empty Redis restart also drops every queued task. The sweep keeps a sentinel key in the
broker's Redis (`newsdesk:redis-epoch`); when it is missing, Redis lost its data since the
last sweep and every sending campaign's queued work is re-enqueued at once, instead of waiting
STALE_CLAIM_S (120 s) for the campaign's heartbeat to go stale. Re-enqueueing is safe: a send
batch claims its rows atomically, so a range that still has a task is sent once either way.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from service.models import Delivery, DeliveryStatus
from service.models._common import table_of, utcnow
from service.settings import Settings

log = logging.getLogger(__name__)
PREFIX, EPOCH = "newsdesk:lease:", "newsdesk:leases-epoch"
SENTINEL = "newsdesk:redis-epoch"  # set by the sweep, never expires: gone = Redis lost its data


def redis_for(settings: Settings) -> Any | None:
    """The Redis that holds leases (redis_url, else a Redis broker), or None."""
    url = settings.redis_url or (
        settings.broker_url if settings.broker_url.startswith("redis") else None
    )
    if not url:
        return None
    import redis

    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def broker_data_lost(settings: Settings) -> bool:
    """True once after the broker's Redis lost its data (restart, flush), and on its first use."""
    if not settings.broker_url.startswith("redis"):
        return False  # the filesystem broker keeps its queue on disk
    import redis

    client = redis.Redis.from_url(settings.broker_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.set(SENTINEL, str(time.time()), nx=True))
    except Exception as exc:  # Redis down: nothing to recover into yet; the next sweep asks again
        log.warning("broker Redis unreachable: %s", exc)
        return False
    finally:
        client.close()


@contextmanager
def batch_lease(
    settings: Settings, *, campaign_id: int, first_id: int, last_id: int
) -> Iterator[None]:
    """Hold a lease on [first_id, last_id] for as long as the block runs (no-op without Redis)."""
    client = redis_for(settings)
    if client is None:
        yield
        return
    key = f"{PREFIX}{uuid.uuid4().hex}"
    value = json.dumps({"campaign": campaign_id, "first": first_id, "last": last_id,
                        "worker": f"{socket.gethostname()}:{os.getpid()}"})  # fmt: skip
    stop = threading.Event()

    def refresh() -> None:
        while not stop.is_set():
            try:  # SET, not EXPIRE: after a Redis restart the lease (and the epoch) come back
                client.set(key, value, px=int(settings.lease_ttl_s * 1000))
                client.set(EPOCH, str(time.time()), nx=True)
            except Exception as exc:  # Redis down: the database's stale-claim timeout still holds
                log.warning("could not refresh batch lease: %s", exc)
            stop.wait(settings.lease_refresh_s)

    thread = threading.Thread(target=refresh, name="batch-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        with suppress(Exception):  # it expires by itself
            client.delete(key)


def live_ranges(client: Any, *, settings: Settings) -> dict[int, list[tuple[int, int]]] | None:
    """campaign -> leased ranges of live batches; None when Redis cannot be trusted yet."""
    try:
        epoch = client.get(EPOCH)
        if epoch is None or time.time() - float(epoch) < settings.lease_ttl_s * 2:
            return None  # just (re)started: live workers may not have rewritten their leases
        ranges: dict[int, list[tuple[int, int]]] = {}
        for key in client.scan_iter(f"{PREFIX}*", count=500):
            raw = client.get(key)
            if raw:
                lease = json.loads(raw)
                ranges.setdefault(int(lease["campaign"]), []).append(
                    (int(lease["first"]), int(lease["last"]))
                )
        return ranges
    except Exception as exc:
        log.warning("batch leases unreadable, falling back to the stale-claim timeout: %s", exc)
        return None


def release_orphaned_claims(
    session: Session, *, campaign_id: int, leased: list[tuple[int, int]], settings: Settings
) -> list[int]:
    """Claims older than a lease TTL outside every live lease go back to the queue; their ids."""
    table = table_of(Delivery)
    cutoff = utcnow() - timedelta(seconds=settings.lease_ttl_s)
    covered = [table.c.id.between(first, last) for first, last in leased]
    stmt = (
        sa.update(table)
        .where(
            table.c.campaign_id == campaign_id,
            table.c.status == DeliveryStatus.CLAIMED,
            table.c.claimed_at < cutoff,
            *([sa.not_(sa.or_(*covered))] if covered else []),
        )
        .values(status=DeliveryStatus.QUEUED)
        .returning(table.c.id)
    )
    return [int(i) for i in session.execute(stmt).scalars()]

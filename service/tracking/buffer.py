"""The tracking buffer: a Redis Stream the endpoints append to and the ingestion worker drains.

Each entry has one field ``v``: a JSON array [kind o|c, campaign, subscriber (0 = aggregate),
link position or null, edition id or null, user agent, client address, epoch ms, prefetch].
The stream entry id becomes TrackingEvent.event_id, so re-reading an entry never doubles it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio as aioredis

from service.settings import Settings

GROUP = "ingest"
UA_MAX = 500


@dataclass(frozen=True)
class RawEvent:
    """One buffered tracking request, as the endpoint saw it."""

    kind: str  # "open" | "click"
    campaign_id: int
    subscriber_id: int
    n: int | None
    edition_id: int | None
    user_agent: str
    ip: str | None
    at_ms: int
    prefetch: bool = False


def to_fields(event: RawEvent) -> dict[str, str]:
    """Stream fields of an event: one JSON array (one field is far cheaper to encode than nine)."""
    return {
        "v": json.dumps(
            [
                "c" if event.kind == "click" else "o",
                event.campaign_id,
                event.subscriber_id,
                event.n,
                event.edition_id,
                event.user_agent[:UA_MAX],
                event.ip,
                event.at_ms,
                event.prefetch,
            ],
            separators=(",", ":"),
        )
    }


def from_fields(fields: dict[Any, Any]) -> RawEvent:
    """Parse stream fields (bytes or str); raises ValueError/KeyError on a malformed entry."""
    raw = fields.get(b"v", fields.get("v"))
    if raw is None:
        raise KeyError("v")
    kind, campaign, subscriber, n, edition, ua, ip, at_ms, prefetch = json.loads(raw)
    return RawEvent(
        kind="click" if kind == "c" else "open",
        campaign_id=int(campaign),
        subscriber_id=int(subscriber),
        n=None if n is None else int(n),
        edition_id=None if edition is None else int(edition),
        user_agent=str(ua or ""),
        ip=str(ip) if ip else None,
        at_ms=int(at_ms),
        prefetch=bool(prefetch),
    )


def now_ms() -> int:
    """Wall clock in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def sync_client(settings: Settings) -> redis.Redis:
    """A blocking client for the worker."""
    if not settings.redis_url:
        raise RuntimeError("the tracking buffer needs NEWSDESK_REDIS_URL")
    return redis.Redis.from_url(settings.redis_url, socket_timeout=30)


_async_clients: dict[tuple[str, int], aioredis.Redis] = {}


def async_client(settings: Settings) -> aioredis.Redis:
    """One asyncio client (connection pool) per URL and event loop, for the endpoints."""
    assert settings.redis_url
    key = (settings.redis_url, id(asyncio.get_running_loop()))
    client = _async_clients.get(key)
    if client is None:
        client = aioredis.Redis.from_url(
            settings.redis_url, max_connections=256, socket_timeout=2, socket_connect_timeout=1
        )
        _async_clients[key] = client
    return client


class _Batcher:
    """Coalesces the XADDs of concurrent requests into one pipelined round trip.

    Each request still waits until Redis has acknowledged its own entry, so an answered request
    is a buffered event; batching only saves round trips and per-command overhead under load.
    """

    def __init__(self, client: aioredis.Redis, stream: str) -> None:
        self.client = client
        self.stream = stream
        self.pending: list[tuple[dict[str, str], asyncio.Future[None]]] = []
        self.flushing = False

    async def push(self, fields: dict[str, str]) -> None:
        """Queue one entry and wait until it is in Redis."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.pending.append((fields, future))
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        await future

    async def _flush(self) -> None:
        """Send everything queued so far (and what arrives meanwhile) in pipelines."""
        try:
            while self.pending:
                batch, self.pending = self.pending, []
                await self._send(batch)
        finally:
            self.flushing = False

    async def _send(self, batch: list[tuple[dict[str, str], asyncio.Future[None]]]) -> None:
        """One pipeline for a batch; every waiter learns the outcome."""
        try:
            pipe = self.client.pipeline(transaction=False)
            for fields, _ in batch:
                pipe.xadd(self.stream, fields)  # type: ignore[arg-type]
            await pipe.execute()
        except Exception as exc:  # each request decides what to do without the buffer
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)


_batchers: dict[tuple[str, str, int], _Batcher] = {}


async def push(settings: Settings, event: RawEvent) -> None:
    """Append one event; returns once Redis has it (the request is answered only then)."""
    assert settings.redis_url
    key = (settings.redis_url, settings.tracking_stream, id(asyncio.get_running_loop()))
    batcher = _batchers.get(key)
    if batcher is None:
        batcher = _batchers[key] = _Batcher(async_client(settings), settings.tracking_stream)
    await batcher.push(to_fields(event))

"""Outgoing webhooks: an outbox of signed deliveries with exponential backoff and replay.

`emit()` adds one WebhookDelivery per subscribed endpoint inside the caller's transaction, so an
event and its webhook commit together. `deliver_due()` claims due rows (a lease moves their
next_attempt_at forward and commits, so two workers never post the same row at once), posts
them, and records the outcome: 2xx delivered; anything else retried after
webhook_backoff_s * 2**(attempts-1) (at most 6 h) until webhook_max_attempts, then dead.
`replay()` puts deliveries back in the queue. Receivers verify
``X-Newsdesk-Signature: sha256=HMAC(secret, f"{X-Newsdesk-Timestamp}." + body)`` and dedupe by
``X-Newsdesk-Delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import Session, select

from service.db import session_scope
from service.errors import InvalidInput
from service.models import WebhookDelivery, WebhookEndpoint, WebhookStatus
from service.models._common import table_of, utcnow
from service.settings import Settings

EVENT_TYPES = frozenset(
    {"delivered", "bounced", "complained", "opened", "clicked", "unsubscribed", "inquiry_received"}
)
MAX_BACKOFF = timedelta(hours=6)
LEASE = timedelta(minutes=2)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value over timestamp and body."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    secret: str, timestamp: int, body: bytes, signature: str, *, tolerance_s: int = 300
) -> bool:
    """For receivers and tests: signature matches and the timestamp is recent."""
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def add_endpoint(
    session: Session, *, url: str, secret: str, event_types: Sequence[str] = ()
) -> WebhookEndpoint:
    """Register a receiver (http(s) URL, a secret of >= 16 characters, known event types)."""
    unknown = set(event_types) - EVENT_TYPES
    if unknown:
        raise InvalidInput(
            f"unknown webhook event types {sorted(unknown)}; use {sorted(EVENT_TYPES)}"
        )
    if not url.startswith(("https://", "http://")):
        raise InvalidInput(f"webhook URL must be http(s), got {url!r}")
    if len(secret) < 16:
        raise InvalidInput("webhook secret must have at least 16 characters")
    endpoint = WebhookEndpoint(url=url, secret=secret, event_types=list(event_types))
    session.add(endpoint)
    session.flush()
    _NONE_UNTIL.clear()
    return endpoint


# emit() runs once per inbound message and per withdrawal. With no endpoint at all (the usual
# case) that lookup is pure overhead, so "none" is remembered per database for a few seconds; a
# registration in this process forgets it at once, one in another process within NONE_TTL_S.
NONE_TTL_S = 5.0
_NONE_UNTIL: dict[str, float] = {}


def subscribed(session: Session, event_type: str) -> bool:
    """Whether any active endpoint wants `event_type` (lets hot paths skip building events)."""
    return bool(_active_endpoints(session, event_type))


def _active_endpoints(session: Session, event_type: str) -> list[int]:
    """Ids of active endpoints that want `event_type` (empty list of types = all)."""
    key = str(session.get_bind().engine.url)
    if _NONE_UNTIL.get(key, 0.0) > time.monotonic():
        return []
    rows = list(session.exec(select(WebhookEndpoint).where(WebhookEndpoint.active == sa.true())))
    if not rows:
        _NONE_UNTIL[key] = time.monotonic() + NONE_TTL_S
    wanted = [e for e in rows if not e.event_types or event_type in e.event_types]
    return [e.id for e in wanted if e.id is not None]


def emit(session: Session, *, event_type: str, events: Sequence[dict[str, Any]]) -> int:
    """Queue events of one type for every active endpoint that wants them; returns rows added."""
    if event_type not in EVENT_TYPES:
        raise InvalidInput(f"unknown webhook event type {event_type!r}")
    if not events:
        return 0
    endpoints = _active_endpoints(session, event_type)
    now = utcnow()
    rows = [
        {
            "endpoint_id": eid,
            "event_type": event_type,
            "payload": data,
            "status": WebhookStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for eid in endpoints
        for data in events
    ]
    if rows:
        session.execute(sa.insert(table_of(WebhookDelivery)), rows)
        session.flush()
    return len(rows)


@dataclass
class DeliveryRun:
    """What one deliver_due call did."""

    delivered: int = 0
    retried: int = 0
    dead: int = 0


def _claim(*, now: datetime, limit: int) -> list[tuple[int, str, str, str, dict[str, Any], int]]:
    """Lease due deliveries (committed), returning what is needed to post them."""
    with session_scope() as session:
        query = (
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)  # type: ignore[arg-type]
            .where(
                WebhookDelivery.status == WebhookStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.active == sa.true(),
            )
            .order_by(WebhookDelivery.next_attempt_at)  # type: ignore[arg-type]
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        claimed = []
        for delivery, endpoint in session.exec(query):
            delivery.next_attempt_at = now + LEASE
            claimed.append(
                (delivery.id, delivery.event_type, endpoint.url, endpoint.secret,
                 delivery.payload, delivery.attempts)
            )  # fmt: skip
        return claimed  # type: ignore[return-value]


def _post(
    client: httpx.Client, *, url: str, secret: str, delivery_id: int, event_type: str, body: bytes
) -> tuple[int | None, str | None]:
    """One signed POST; (status code, error text)."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-Newsdesk-Event": event_type,
        "X-Newsdesk-Delivery": str(delivery_id),
        "X-Newsdesk-Timestamp": str(timestamp),
        "X-Newsdesk-Signature": sign(secret, timestamp, body),
    }
    try:
        answer = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:1000]
    return answer.status_code, None if answer.is_success else answer.text[:300]


def deliver_due(
    *, settings: Settings, now: datetime | None = None, limit: int = 100
) -> DeliveryRun:
    """Post every due delivery once and record the outcome and the next retry."""
    now = now or utcnow()
    run = DeliveryRun()
    claimed = _claim(now=now, limit=limit)
    with httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False) as client:
        for delivery_id, event_type, url, secret, payload, attempts in claimed:
            body = json.dumps(
                {"id": delivery_id, "type": event_type, "data": payload}, separators=(",", ":")
            ).encode()
            code, error = _post(
                client,
                url=url,
                secret=secret,
                delivery_id=delivery_id,
                event_type=event_type,
                body=body,
            )
            outcome = _record(delivery_id, code, error, attempts + 1, now=now, settings=settings)
            setattr(run, outcome, getattr(run, outcome) + 1)
    return run


def _record(
    delivery_id: int, code: int | None, error: str | None, attempts: int, *, now: datetime,
    settings: Settings,
) -> str:  # fmt: skip
    """Store one attempt; returns 'delivered', 'retried' or 'dead'."""
    with session_scope() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.attempts, delivery.last_status_code, delivery.last_error = attempts, code, error
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at = WebhookStatus.DELIVERED, utcnow()
            return "delivered"
        if attempts >= settings.webhook_max_attempts:
            delivery.status = WebhookStatus.DEAD
            return "dead"
        backoff = timedelta(seconds=settings.webhook_backoff_s * 2 ** (attempts - 1))
        delivery.next_attempt_at = now + min(backoff, MAX_BACKOFF)
        return "retried"


def endpoints(session: Session) -> list[WebhookEndpoint]:
    """Every receiver, oldest first."""
    return list(session.exec(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))  # type: ignore[arg-type]


def recent(
    session: Session, *, status: str | None = None, limit: int = 50
) -> list[WebhookDelivery]:
    """The newest deliveries, optionally of one status."""
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)  # type: ignore[union-attr]
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list(session.exec(query))


def replay(
    session: Session,
    *,
    delivery_ids: Sequence[int] = (),
    endpoint_id: int | None = None,
    include_delivered: bool = False,
) -> int:
    """Queue deliveries again now (dead ones by default; delivered ones on request)."""
    if not delivery_ids and endpoint_id is None:
        raise InvalidInput("replay needs delivery ids or an endpoint id")
    t = table_of(WebhookDelivery).c
    states = [WebhookStatus.DEAD, WebhookStatus.PENDING]
    if include_delivered:
        states.append(WebhookStatus.DELIVERED)
    where: list[sa.ColumnElement[bool]] = [t.status.in_(states)]
    if delivery_ids:
        where.append(t.id.in_(list(delivery_ids)))
    if endpoint_id is not None:
        where.append(t.endpoint_id == endpoint_id)
    result = session.execute(
        sa.update(table_of(WebhookDelivery))
        .where(*where)
        .values(status=WebhookStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    )
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]

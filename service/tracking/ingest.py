"""Drain the tracking buffer into TrackingEvent: at least once from Redis, once in the table.

Each batch is read with XREADGROUP, enriched and classified, bulk-inserted with ON CONFLICT
(event_id) DO NOTHING, committed, and only then XACKed and XDELed. A crash or a database outage
between read and ack leaves the entries pending in Redis: the next drain reads this consumer's
pending entries first (and XAUTOCLAIMs those of a consumer that died), and the unique event_id
turns a second insert of the same entry into a no-op. So nothing is lost and nothing doubles.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from service import webhooks
from service.db import session_scope
from service.models import TrackingEvent
from service.models._common import table_of
from service.settings import Settings
from service.tracking import buffer, enrich

log = logging.getLogger(__name__)
Entry = tuple[str, dict[Any, Any]]


@dataclass
class DrainResult:
    """What one drain run did."""

    read: int = 0
    stored: int = 0
    dropped: int = 0
    batches: int = 0


def consumer_name() -> str:
    """A consumer name unique per process (host + pid), stable for the process's life."""
    return f"{socket.gethostname()}-{os.getpid()}"


def ensure_group(client: redis.Redis, stream: str) -> None:
    """Create the consumer group (and the stream) once; an existing group is fine."""
    try:
        client.xgroup_create(stream, buffer.GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def read_batch(
    client: redis.Redis, *, stream: str, consumer: str, count: int, claim_idle_ms: int
) -> list[Entry]:
    """Own pending entries first (a failed insert), then a dead consumer's, then new ones."""
    for start in ("0", None):
        if start is None:
            claimed: Any = client.xautoclaim(
                stream, buffer.GROUP, consumer, min_idle_time=claim_idle_ms, count=count
            )
            entries = claimed[1]
        else:
            reply: Any = client.xreadgroup(buffer.GROUP, consumer, {stream: start}, count=count)
            entries = reply[0][1] if reply else []
        gone = [e[0] for e in entries if not e[1]]
        if gone:  # deleted but never acknowledged: nothing left to store
            client.xack(stream, buffer.GROUP, *gone)
        entries = [(e[0], e[1]) for e in entries if e[1]]
        if entries:
            return [(_text(i), f) for i, f in entries]
    fresh: Any = client.xreadgroup(buffer.GROUP, consumer, {stream: ">"}, count=count)
    return [(_text(i), f) for i, f in fresh[0][1]] if fresh else []


def _text(value: Any) -> str:
    """Redis ids come back as bytes."""
    return value.decode() if isinstance(value, bytes) else str(value)


def store_batch(session: Session, *, entries: Sequence[Entry], settings: Settings) -> DrainResult:
    """Parse, enrich, classify and insert one batch (adds and flushes; the caller commits)."""
    parsed: list[tuple[str, buffer.RawEvent]] = []
    result = DrainResult(read=len(entries))
    for entry_id, fields in entries:
        try:
            parsed.append((entry_id, buffer.from_fields(fields)))
        except (KeyError, ValueError, TypeError):
            # Only our endpoints write the stream; a garbled entry is logged, never retried forever.
            log.error("tracking entry %s is malformed, skipped: %r", entry_id, fields)
            result.dropped += 1
    rows = enrich.rows_for(session, events=parsed, settings=settings)
    result.dropped += len(parsed) - len(rows)
    inserted = insert_rows(session, rows=rows)
    notify(session, rows=[r for r in rows if r["event_id"] in inserted])
    result.stored = len(rows)
    return result


COLUMNS = (
    "event_id", "campaign_id", "subscriber_id", "kind", "link_index", "edition_key", "machine",
    "reason", "user_agent", "ip", "occurred_at",
)  # fmt: skip
# A per-connection staging table: COPY into it, then one INSERT ... SELECT ... ON CONFLICT.
_STAGING_DDL = (
    "CREATE TEMP TABLE IF NOT EXISTS tracking_event_in (event_id varchar(40), campaign_id int, "
    "subscriber_id int, kind varchar(8), link_index int, edition_key varchar(80), machine bool, "
    "reason varchar(32), user_agent varchar(500), ip varchar(45), occurred_at timestamptz) "
    "ON COMMIT DELETE ROWS"
)


def insert_rows(session: Session, *, rows: list[dict[str, Any]]) -> set[str]:
    """Bulk insert; an event_id already present is skipped (a replayed batch). Returns the
    event ids actually inserted."""
    if not rows:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        return _copy_insert(session, rows)
    table = table_of(TrackingEvent)
    stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=["event_id"])
    inserted = set(session.execute(stmt.returning(table.c.event_id), rows).scalars())
    session.flush()
    return inserted


def _copy_insert(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """PostgreSQL: COPY into the staging table and move new rows over, in the session's
    transaction (several times faster than a multi-row VALUES insert of the same batch)."""
    session.flush()
    raw = session.connection().connection.driver_connection
    columns = ", ".join(COLUMNS)
    with raw.cursor() as cur:  # type: ignore[union-attr]
        cur.execute(_STAGING_DDL)
        with cur.copy(f"COPY tracking_event_in ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in COLUMNS))
        cur.execute(
            f"INSERT INTO tracking_event ({columns}) SELECT {columns} FROM tracking_event_in "
            "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
        )
        inserted = {r[0] for r in cur.fetchall()}
        cur.execute("DELETE FROM tracking_event_in")  # several batches may share a transaction
    return inserted


def notify(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Queue `opened`/`clicked` webhooks for newly stored events (same transaction)."""
    for kind, event_type in (("open", "opened"), ("click", "clicked")):
        events = [_webhook_data(r) for r in rows if r["kind"] == kind]
        if events:
            webhooks.emit(session, event_type=event_type, events=events)


def _webhook_data(row: dict[str, Any]) -> dict[str, Any]:
    """The webhook payload of one event: ids and verdict, no IP or user agent."""
    keys = ("event_id", "campaign_id", "subscriber_id", "edition_key", "link_index", "machine")
    data = {k: row[k] for k in keys}
    data["reason"] = row["reason"]
    data["occurred_at"] = row["occurred_at"].isoformat()
    return data


def drain(
    settings: Settings,
    *,
    client: redis.Redis | None = None,
    consumer: str | None = None,
    budget_s: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> DrainResult:
    """Move buffered events into the database until the buffer is empty or the budget is spent.

    A database error propagates after nothing was acknowledged: the entries stay pending in
    Redis and the next run inserts them.
    """
    client = client or buffer.sync_client(settings)
    consumer = consumer or consumer_name()
    stream = settings.tracking_stream
    ensure_group(client, stream)
    deadline = time.monotonic() + (budget_s if budget_s is not None else settings.tracking_drain_s)
    total = DrainResult()
    while time.monotonic() < deadline and not should_stop():
        entries = read_batch(
            client,
            stream=stream,
            consumer=consumer,
            count=settings.tracking_batch_size,
            claim_idle_ms=int(settings.tracking_claim_idle_s * 1000),
        )
        if not entries:
            break
        with session_scope() as session:
            done = store_batch(session, entries=entries, settings=settings)
        ids = [entry_id for entry_id, _ in entries]
        pipe = client.pipeline(transaction=False)
        pipe.xack(stream, buffer.GROUP, *ids)
        pipe.xdel(stream, *ids)  # acknowledged entries are in the database: free the memory
        pipe.execute()
        total.read += done.read
        total.stored += done.stored
        total.dropped += done.dropped
        total.batches += 1
    return total


def backlog(settings: Settings, *, client: redis.Redis | None = None) -> int:
    """Entries in the buffer not yet in the database (pending or unread)."""
    client = client or buffer.sync_client(settings)
    return int(client.xlen(settings.tracking_stream))


def store_direct(settings: Settings, events: Sequence[tuple[str, buffer.RawEvent]]) -> None:
    """Without Redis (the embedded demo): store synchronously in the request's own transaction."""
    with session_scope() as session:
        rows = enrich.rows_for(session, events=events, settings=settings)
        inserted = insert_rows(session, rows=rows)
        notify(session, rows=[r for r in rows if r["event_id"] in inserted])

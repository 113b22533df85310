"""Events survive a database outage and a crash between commit and acknowledgement.

Two outages: ingestion pointed at a port where nothing listens (cheap, runs anywhere), and the
real local PostgreSQL cluster stopped and started again (needs root and pg_ctlcluster, as on CI,
where tests run one at a time; under CI=true a missing pg_ctlcluster fails the test).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from service import webhooks
from service.addressing.links import qualified_link_index
from service.addressing.tokens import codec
from service.api.app import create_app
from service.db import get_engine, reset_engine, session_scope
from service.models import TrackingEvent, WebhookDelivery
from service.settings import get_settings, reset_settings
from service.tracking import buffer, ingest
from tests.conftest import _fresh_schema, postgres_url
from tests.tracking_data import sent_campaign, tracking_env

__all__ = ["tracking_env"]
REFUSING_URL = "postgresql+psycopg://postgres@127.0.0.1:1/nd_tracking?connect_timeout=2"


def _count(session: Session) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(TrackingEvent)).one())


def _hit(client: TestClient, tokens: list[str]) -> int:
    """Request every token; returns how many were answered 2xx/3xx."""
    answered = 0
    for i, token in enumerate(tokens):
        path = f"/t/o/{token}.gif" if i % 2 else f"/t/c/{token}"
        status = client.get(path, headers={"user-agent": f"Mozilla/5.0 test {i}"}).status_code
        answered += 200 <= status < 400
    return answered


def _point_database_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", url)
    reset_settings()
    reset_engine()


@pytest.fixture
def pg_session(configured: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """A session on a fresh PostgreSQL schema (the outage case needs a database server)."""
    url = postgres_url()
    _fresh_schema(url)
    _point_database_at(url, monkeypatch)
    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def test_events_wait_in_redis_during_outage_and_land_once(
    pg_session: Session, tracking_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, db_url = pg_session, postgres_url()
    data = sent_campaign(session, subscribers=8)
    tokens = codec(get_settings())
    client = TestClient(create_app(), follow_redirects=False)
    # Warm the link cache while the database is up, as a running API would have.
    links = [
        tokens.click(data.campaign_id, sid, qualified_link_index(data.edition_of[sid], 1))
        for sid in data.consenting
    ]
    opens = [tokens.open(data.campaign_id, sid) for sid in data.subscribers]
    answered = _hit(client, links[:1])
    _point_database_at(REFUSING_URL, monkeypatch)
    answered += _hit(client, [t for pair in zip(links, opens, strict=False) for t in pair] * 5)
    for _ in range(3):  # the beat keeps trying while the database is down
        with pytest.raises(sa.exc.OperationalError):
            ingest.drain(get_settings(), budget_s=10)
    assert ingest.backlog(get_settings()) == answered
    _point_database_at(db_url, monkeypatch)
    ingest.drain(get_settings(), budget_s=30)
    assert _count(session) == answered
    assert ingest.backlog(get_settings()) == 0
    ingest.drain(get_settings(), budget_s=5)
    assert _count(session) == answered  # nothing doubled


def test_crash_after_commit_before_ack_inserts_nothing_twice(
    session: Session, tracking_env: str
) -> None:
    data = sent_campaign(session, subscribers=4)
    with session_scope() as s:
        webhooks.add_endpoint(s, url="http://127.0.0.1:9/hook", secret="s" * 16)
    tokens = codec(get_settings())
    client = TestClient(create_app(), follow_redirects=False)
    answered = _hit(client, [tokens.open(data.campaign_id, s) for s in data.subscribers] * 3)
    settings = get_settings()
    conn = redis.Redis.from_url(settings.redis_url or "")
    ingest.ensure_group(conn, settings.tracking_stream)
    consumer = "crashed-worker"
    entries = ingest.read_batch(
        conn, stream=settings.tracking_stream, consumer=consumer, count=5, claim_idle_ms=0
    )
    with session_scope() as s:  # committed, then the worker dies before XACK
        ingest.store_batch(s, entries=entries, settings=settings)
    assert _count(session) == 5
    monkey_idle = 0.0  # another worker reclaims the dead consumer's entries at once
    settings_now = settings.model_copy(update={"tracking_claim_idle_s": monkey_idle + 0.001})
    ingest.drain(settings_now, client=conn, consumer="survivor", budget_s=30)
    assert _count(session) == answered
    assert ingest.backlog(settings) == 0
    pending = conn.xpending(settings.tracking_stream, buffer.GROUP)
    assert pending["pending"] == 0
    session.expire_all()
    queued = session.exec(select(func.count()).select_from(WebhookDelivery)).one()
    assert queued == answered  # one `opened` webhook per stored event, none for the replay


def test_beat_task_waits_out_the_outage(
    pg_session: Session, tracking_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Celery task itself: no exception, no dead letter, events kept for the next tick."""
    from workers.tasks.tracking import ingest_tracking

    data = sent_campaign(pg_session, subscribers=4)
    tokens = codec(get_settings())
    client = TestClient(create_app())
    answered = _hit(client, [tokens.open(data.campaign_id, s) for s in data.subscribers] * 2)
    _point_database_at(REFUSING_URL, monkeypatch)
    assert ingest_tracking() == {"read": 0, "stored": 0, "dropped": 0}
    assert ingest.backlog(get_settings()) == answered
    _point_database_at(postgres_url(), monkeypatch)
    assert ingest_tracking()["stored"] == answered
    assert _count(pg_session) == answered


def _cluster_command(action: str) -> list[str]:
    import os
    import shutil

    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        from tests.conftest import require_service

        require_service("pg_ctlcluster (root)", "needed to stop and start the local PostgreSQL")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", action]


def _wait_for_postgres(url: str, *, up: bool) -> None:
    import time

    engine = sa.create_engine(url, pool_pre_ping=True)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    conn.execute(sa.text("select 1"))
                if up:
                    return
            except sa.exc.OperationalError:
                if not up:
                    return
            time.sleep(0.3)
        raise AssertionError(f"PostgreSQL did not come {'up' if up else 'down'} in time")
    finally:
        engine.dispose()


def test_events_survive_a_real_postgresql_stop_and_land_once(
    pg_session: Session, tracking_env: str
) -> None:
    """Stop the real server (CI runs tests one at a time), keep answering, restart, count."""
    import subprocess

    session, db_url = pg_session, postgres_url()
    stop, start = _cluster_command("stop"), _cluster_command("start")
    data = sent_campaign(session, subscribers=8)
    tokens = codec(get_settings())
    client = TestClient(create_app(), follow_redirects=False)
    links = [
        tokens.click(data.campaign_id, sid, qualified_link_index(data.edition_of[sid], 1))
        for sid in data.consenting
    ]
    opens = [tokens.open(data.campaign_id, sid) for sid in data.subscribers]
    answered = _hit(client, links[:1])  # warms the link cache, as a running API would have
    session.close()
    reset_engine()
    subprocess.run(stop, check=True, capture_output=True)
    try:
        _wait_for_postgres(db_url, up=False)
        answered += _hit(client, [t for pair in zip(links, opens, strict=False) for t in pair] * 3)
        with pytest.raises(sa.exc.OperationalError):
            ingest.drain(get_settings(), budget_s=10)
        assert ingest.backlog(get_settings()) == answered
    finally:
        subprocess.run(start, check=True, capture_output=True)
        _wait_for_postgres(db_url, up=True)
    reset_engine()
    ingest.drain(get_settings(), budget_s=30)
    ingest.drain(get_settings(), budget_s=5)  # a second pass finds nothing to add
    with Session(get_engine()) as fresh:
        assert _count(fresh) == answered
    assert ingest.backlog(get_settings()) == 0

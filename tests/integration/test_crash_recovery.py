"""Exactly once under crashes: kill -9 every worker mid-campaign; restart Redis mid-campaign."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from service.demo.run import kill_worker, start_worker
from tests.conftest import postgres_url, redis_url, require_service
from tests.integration.live_stack import live_stack, wait_for
from tests.integration.test_live_campaign import _seed_and_schedule, _status
from tests.support.ports import free_port as _free_port

FAST_RECOVERY = {"NEWSDESK_STALE_CLAIM_S": "3", "NEWSDESK_SEND_BATCH_SIZE": "50"}


WORKER_PROCESSES = 2  # live_stack's default concurrency
IN_FLIGHT_PER_PROCESS = 12  # NEWSDESK_SMTP_CONNECTIONS' default: sends in flight per process


def _marked_sent(campaign_id: int) -> set[str]:
    """Addresses whose delivery the database records as sent."""
    from sqlmodel import select

    from service.db import session_scope
    from service.models import Delivery, Subscriber

    with session_scope() as session:
        rows = session.exec(
            select(Subscriber.email)
            .join(Delivery, Delivery.subscriber_id == Subscriber.id)
            .where(Delivery.campaign_id == campaign_id, Delivery.status == "sent")
        )
        return set(rows)


def _recipients(captured: list) -> Counter[str]:
    return Counter(rcpt for mail in captured for rcpt in mail.rcpt_tos)


@pytest.mark.slow
def test_kill_dash_nine_of_every_worker_loses_nothing(tmp_path: Path) -> None:
    with live_stack(
        tmp_path,
        database_url=postgres_url(),
        broker_url=redis_url(),
        smtp_delay_s=0.003,
        extra_env=FAST_RECOVERY,
    ) as stack:
        campaign_id = _seed_and_schedule(900)
        wait_for(lambda: len(stack.capture.captured) >= 150, 60, "sending to be under way")
        kill_worker(stack.worker)
        time.sleep(0.5)  # let the sink finish what it had in hand
        # In flight at the kill: messages the sink took (or was taking) whose sent mark never
        # reached the database. Only these can be sent again: at most the sends in flight, one
        # per SMTP connection of each worker process.
        in_flight = len(_recipients(stack.capture.captured).keys() - _marked_sent(campaign_id))
        before_restart = len(stack.capture.captured)
        stack.worker = start_worker(tmp_path, stack.env)
        wait_for(
            lambda: _status(campaign_id) == "sent", 120, "the campaign to finish after restart"
        )
        counts = _recipients(stack.capture.captured)
        duplicates = sum(n - 1 for n in counts.values())
        print(f"\nkill -9 after {before_restart}: {in_flight} in flight, {duplicates} twice")
        assert duplicates <= in_flight <= WORKER_PROCESSES * IN_FLIGHT_PER_PROCESS
        from service.campaigns.dispatch import status_counts
        from service.db import session_scope

        with session_scope() as session:
            assert status_counts(session, campaign_id=campaign_id) == {"sent": len(counts)}


def _start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    wait_for(lambda: _pings(client), 10, "redis to start")
    return server


def _pings(client: object) -> bool:
    import redis

    try:
        return bool(client.ping())  # type: ignore[attr-defined]
    except redis.exceptions.ConnectionError:
        return False


@pytest.mark.slow
def test_redis_restart_mid_campaign_loses_nothing(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        require_service(
            "redis-server binary", "needed to run a private Redis that the test restarts"
        )
    redis_url()  # the shared Redis must be up too under CI
    port = _free_port()
    server = _start_redis(port, tmp_path)
    broker = f"redis://127.0.0.1:{port}/0"
    try:
        with live_stack(
            tmp_path,
            database_url=postgres_url(),
            broker_url=broker,
            smtp_delay_s=0.003,
            extra_env=FAST_RECOVERY,
        ) as stack:
            campaign_id = _seed_and_schedule(900)
            wait_for(lambda: len(stack.capture.captured) >= 150, 60, "sending to be under way")
            server.kill()  # every queued task is gone: this Redis keeps nothing on disk
            server.wait()
            time.sleep(1.0)
            server = _start_redis(port, tmp_path)
            wait_for(
                lambda: _status(campaign_id) == "sent",
                120,
                "the campaign to finish after the restart",
            )
            counts = _recipients(stack.capture.captured)
            assert max(counts.values()) == 1, "a recipient got the campaign twice"
            from service.campaigns.dispatch import status_counts
            from service.db import session_scope

            with session_scope() as session:
                assert status_counts(session, campaign_id=campaign_id) == {"sent": len(counts)}
    finally:
        server.kill()
        server.wait()

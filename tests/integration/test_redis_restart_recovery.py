"""Fault: an empty Redis restart mid-campaign (every queued task and batch lease gone) with the
default STALE_CLAIM_S (120 s) in force. Sending must go on within seconds, not after the
heartbeat sweep's 120 s: the sweep notices that Redis lost its data (the sentinel key
`newsdesk:redis-epoch` is missing) and re-enqueues every queued range at once, and the embedded
beat keeps its lock through the restart. Nothing missed, nothing sent twice (no worker died).

The Redis here is a private server on a free port that the test starts and restarts itself;
the shared one is never touched.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from service.campaigns.dispatch import status_counts
from service.db import session_scope
from tests.conftest import postgres_url, require_service
from tests.integration.live_stack import LiveStack, live_stack, wait_for
from tests.integration.test_crash_recovery import _free_port, _recipients, _start_redis
from tests.integration.test_live_campaign import _seed_and_schedule, _status

STALE_CLAIM_S = 120.0


def _longest_pause(stack: LiveStack, campaign_id: int, *, timeout_s: float) -> float:
    """Until the campaign is sent: the longest stretch with no new message at the capture."""
    started = last_growth = time.monotonic()
    seen, longest = len(stack.capture.captured), 0.0
    while _status(campaign_id) != "sent":
        now = time.monotonic()
        assert now - started < timeout_s, "the campaign did not finish after the restart"
        if len(stack.capture.captured) > seen:
            seen, last_growth = len(stack.capture.captured), now
        longest = max(longest, now - last_growth)
        time.sleep(0.2)
    return longest


@pytest.mark.slow
def test_empty_redis_restart_recovers_lost_tasks_within_seconds(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        require_service("redis-server binary", "needed to run a private Redis to restart")
    port = _free_port()
    server = _start_redis(port, tmp_path)
    env = {
        "NEWSDESK_STALE_CLAIM_S": str(STALE_CLAIM_S),
        "NEWSDESK_SEND_BATCH_SIZE": "50",
        "NEWSDESK_SCAN_INTERVAL_S": "1",
    }
    try:
        with live_stack(
            tmp_path, database_url=postgres_url(), broker_url=f"redis://127.0.0.1:{port}/0",
            smtp_delay_s=0.004, extra_env=env,
        ) as stack:  # fmt: skip
            campaign_id = _seed_and_schedule(1200)
            wait_for(lambda: len(stack.capture.captured) >= 150, 90, "sending to be under way")
            server.kill()  # every queued task and every lease is gone: nothing kept on disk
            server.wait()
            time.sleep(1.0)
            server = _start_redis(port, tmp_path)
            before = len(stack.capture.captured)
            gap_s = _longest_pause(stack, campaign_id, timeout_s=STALE_CLAIM_S * 3)
            counts = _recipients(stack.capture.captured)
            print(f"\nredis restart after {before} sent: longest pause in sending {gap_s:.1f} s")
            assert max(counts.values()) == 1, "a recipient got the campaign twice"
            with session_scope() as session:
                assert status_counts(session, campaign_id=campaign_id) == {"sent": len(counts)}
            assert len(counts) > before + 500, "the campaign was nearly over at the restart"
            # old code: the running batches finish, then nothing for STALE_CLAIM_S (or forever,
            # the beat having stopped itself when its lock vanished with the data)
            assert gap_s < STALE_CLAIM_S / 6, f"sending paused {gap_s:.1f} s after the restart"
            assert "Redis lost its data" in (tmp_path / "worker.log").read_text()
    finally:
        server.kill()
        server.wait()

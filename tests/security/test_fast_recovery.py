"""Fault figure: kill -9 of every worker mid-campaign loses nothing, duplicates at most what was
in flight, and the dead worker's claims come back through its expired batch lease instead of
after the whole stale-claim timeout (here the default 120 s). The bound is a ratio:
recovery time over STALE_CLAIM_S, measured in the run (bench/recovery.py prints the figure).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from service.demo.run import kill_worker, start_worker
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for
from tests.integration.test_crash_recovery import (
    IN_FLIGHT_PER_PROCESS,
    WORKER_PROCESSES,
    _marked_sent,
    _recipients,
)
from tests.integration.test_live_campaign import _seed_and_schedule, _status


@pytest.mark.slow
def test_claims_of_killed_workers_return_long_before_the_stale_claim_timeout(
    tmp_path: Path,
) -> None:
    env = {"NEWSDESK_SEND_BATCH_SIZE": "50", "NEWSDESK_SCAN_INTERVAL_S": "1"}
    with live_stack(
        tmp_path, database_url=postgres_url(), broker_url=redis_url(), smtp_delay_s=0.003,
        extra_env=env,
    ) as stack:  # fmt: skip
        stale = get_settings().stale_claim_s
        campaign_id = _seed_and_schedule(900)
        wait_for(lambda: len(stack.capture.captured) >= 150, 60, "sending to be under way")
        kill_worker(stack.worker)
        time.sleep(0.5)
        in_flight = len(_recipients(stack.capture.captured).keys() - _marked_sent(campaign_id))
        restarted = time.monotonic()
        stack.worker = start_worker(tmp_path, stack.env)
        wait_for(lambda: _status(campaign_id) == "sent", stale, "the campaign to finish")
        recovery_s = time.monotonic() - restarted
        counts = _recipients(stack.capture.captured)
        duplicates = sum(n - 1 for n in counts.values())
        print(f"\nrecovered in {recovery_s:.1f} s (stale-claim timeout {stale:.0f} s)")
        assert duplicates <= in_flight <= WORKER_PROCESSES * IN_FLIGHT_PER_PROCESS
        assert recovery_s / stale < 0.5
        assert "claims of a dead worker released" in (tmp_path / "worker.log").read_text()

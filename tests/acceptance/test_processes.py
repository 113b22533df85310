"""SIGTERM to `newsdesk worker` mid-campaign is a warm shutdown that finishes or returns its
batch within the time limit: no duplicate and no miss at the SMTP capture."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.acceptance import mission as m
from tests.acceptance.stack import Stack, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
SOFT_LIMIT_S = 20.0


def test_sigterm_mid_campaign_is_a_warm_shutdown_without_duplicates_or_misses(
    slow_relay_stack: Stack,
) -> None:
    stack = slow_relay_stack
    people = m.readers(50)
    m.create_content(stack, people)
    campaign_id = m.send_campaign(stack, "Warm shutdown")
    wait_for(lambda: len(m.campaign_mails(stack, "Warm shutdown")) >= 10, 60, "sending to start")
    worker = stack.processes["worker-a"]
    asked = time.monotonic()
    code = stack.stop("worker-a", timeout_s=SOFT_LIMIT_S + 60)
    took = time.monotonic() - asked
    assert code == 0, stack.log("worker-a")[-3000:]
    assert "warm shutdown" in stack.log("worker-a").lower()
    assert took < SOFT_LIMIT_S + 60, f"worker took {took:.1f} s to stop"
    assert worker.poll() is not None
    wait_for(lambda: m.status(stack, campaign_id) == "sent", 120, "worker-b to finish the campaign")
    got = Counter(x.rcpt_tos[0] for x in m.campaign_mails(stack, "Warm shutdown"))
    assert max(got.values()) == 1, [a for a, n in got.items() if n > 1]
    assert set(got) == {a for a, _ in people}, "a reader got nothing"


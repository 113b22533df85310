"""Finding 6 (send time): a template that hangs when the edition is rendered pauses the campaign.

Save-time checks render a trial in a forked child with a deadline; but a template saved before
those checks (or written by another path) was rendered at send time in the worker itself, so a
nested loop that produces nothing held the fan-out task until its time limit (minutes) and the
campaign sat in `sending`. Now each edition renders in the same guarded child: killed at 2 s,
the campaign pauses with the reason, the worker is free at once, and once the intro is fixed a
resume sends every message exactly once. PostgreSQL + Redis + a real worker + SMTP capture.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from service.campaigns.authoring import schedule
from service.db import session_scope
from service.demo.seed import seed
from service.models import Campaign
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for

HANGS = (
    "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
    "{% endfor %}{% endfor %}{% endfor %}Hello"
)


def _campaign() -> Campaign:
    with session_scope() as session:
        return session.exec(select(Campaign)).one()


@pytest.mark.slow
def test_an_intro_that_hangs_at_send_time_pauses_the_campaign_with_the_reason(
    tmp_path: Path,
) -> None:
    with live_stack(tmp_path, database_url=postgres_url(), broker_url=redis_url()) as stack:
        with session_scope() as session:
            demo = seed(session, secret=get_settings().secret_bytes, subscribers=30)
            campaign = schedule(session, campaign_id=demo.campaign_id, send_at=None)
            campaign.intro_en = campaign.intro_de = HANGS  # as if saved before the checks
            session.add(campaign)
        started = time.monotonic()
        wait_for(lambda: _campaign().status == "paused", 45, "the campaign to pause itself")
        print(f"\npaused {time.monotonic() - started:.1f} s after scheduling")
        reason = _campaign().status_reason or ""
        assert "an edition cannot be rendered" in reason and "longer than 2 s" in reason, reason
        assert stack.capture.captured == []
        with session_scope() as session:
            fixed = session.get(Campaign, demo.campaign_id)
            assert fixed is not None
            fixed.intro_en = fixed.intro_de = "Hello, readers of {{ list_name }}."
            session.add(fixed)
        resumed = stack.cli("campaign", "resume", str(demo.campaign_id))
        assert resumed.returncode == 0, resumed.stderr
        wait_for(lambda: _campaign().status == "sent", 60, "the fixed campaign to be sent")
        counts = Counter(r for m in stack.capture.captured for r in m.rcpt_tos)
        assert counts and max(counts.values()) == 1
        assert all(b"Hello, readers" in m.data for m in stack.capture.captured)

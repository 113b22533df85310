"""Finding 12 (send time): a campaign whose every batch fails pauses itself with the reason.

A subject with a line break saved before validation existed (or written by another path)
used to leave the campaign in `sending` forever, a dead letter every stale-claim period.
PostgreSQL + Redis + a real worker process (live_stack) + a real SMTP capture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from service.campaigns.authoring import schedule
from service.db import session_scope
from service.demo.seed import seed
from service.models import Campaign, DeadLetter
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for


def _campaign() -> Campaign:
    with session_scope() as session:
        return session.exec(select(Campaign)).one()


@pytest.mark.slow
def test_a_campaign_that_cannot_be_built_pauses_with_the_reason(tmp_path: Path) -> None:
    with live_stack(tmp_path, database_url=postgres_url(), broker_url=redis_url()) as stack:
        with session_scope() as session:
            demo = seed(session, secret=get_settings().secret_bytes, subscribers=30)
            campaign = schedule(session, campaign_id=demo.campaign_id, send_at=None)
            campaign.subject_en = campaign.subject_de = "News\r\nBcc: victim@elsewhere.example"
            session.add(campaign)
        wait_for(lambda: _campaign().status == "paused", 60, "the campaign to pause itself")
        paused = _campaign()
        assert "line break" in (paused.status_reason or "")
        assert stack.capture.captured == []
        with session_scope() as session:
            letters = session.exec(select(DeadLetter)).all()
        assert len(letters) <= 2  # the failure is recorded, not repeated every sweep

"""One campaign end to end on PostgreSQL + Redis + a real worker process; pause and resume."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from service.campaigns.authoring import schedule
from service.campaigns.dispatch import status_counts
from service.campaigns.lifecycle import apply_action
from service.db import session_scope
from service.demo.seed import seed
from service.domain.campaign_states import CampaignAction
from service.models import Campaign
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for
from tests.integration.mailcheck import check_campaign_mail, dkim_txt, read_maildir


def _seed_and_schedule(subscribers: int) -> int:
    with session_scope() as session:
        summary = seed(session, secret=get_settings().secret_bytes, subscribers=subscribers)
        schedule(session, campaign_id=summary.campaign_id, send_at=None)
    return summary.campaign_id


def _status(campaign_id: int) -> str:
    with session_scope() as session:
        return session.get(Campaign, campaign_id).status  # type: ignore[union-attr]


@pytest.mark.slow
def test_campaign_end_to_end_on_postgres_redis_and_a_worker(tmp_path: Path) -> None:
    with live_stack(tmp_path, database_url=postgres_url(), broker_url=redis_url()) as stack:
        campaign_id = _seed_and_schedule(200)
        wait_for(lambda: _status(campaign_id) == "sent", 90, "the campaign to be sent")
        with session_scope() as session:
            check_campaign_mail(
                session,
                campaign_id=campaign_id,
                raws=read_maildir(tmp_path / "maildir"),
                dkim_record=dkim_txt(stack.dkim_record),
            )


@pytest.mark.slow
def test_pause_stops_sends_within_two_seconds_and_resume_finishes_exactly_once(
    tmp_path: Path,
) -> None:
    with live_stack(
        tmp_path, database_url=postgres_url(), broker_url=redis_url(), smtp_delay_s=0.01
    ) as stack:
        campaign_id = _seed_and_schedule(700)
        wait_for(lambda: len(stack.capture.captured) >= 60, 60, "sending to start")
        with session_scope() as session:
            apply_action(
                session, campaign_id=campaign_id, action=CampaignAction.PAUSE, reason="test"
            )
        paused_at = time.monotonic()
        time.sleep(4.0)
        late = [m for m in stack.capture.captured if m.received_at > paused_at + 2.0]
        assert not late, f"{len(late)} messages arrived more than 2 s after the pause"
        sent_while_paused = len(stack.capture.captured)
        with session_scope() as session:
            assert status_counts(session, campaign_id=campaign_id).get("queued", 0) > 0, (
                "finished before pause"
            )
        resumed = stack.cli("campaign", "resume", str(campaign_id))
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        wait_for(lambda: _status(campaign_id) == "sent", 90, "the resumed campaign to finish")
        assert len(stack.capture.captured) > sent_while_paused
        ids = Counter(
            m.data.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0] for m in stack.capture.captured
        )
        assert max(ids.values()) == 1, "a message was sent twice"
        with session_scope() as session:
            check_campaign_mail(
                session, campaign_id=campaign_id, raws=read_maildir(tmp_path / "maildir")
            )

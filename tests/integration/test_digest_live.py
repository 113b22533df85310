"""Digests through the CLI (injected clock), a real worker and the SMTP capture."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from service.db import session_scope
from service.demo.run import kill_worker, start_worker
from service.models import Cadence, Campaign, DigestRun
from tests.conftest import postgres_url, redis_url
from tests.integration.automation_mail import items_received
from tests.integration.live_stack import LiveStack, live_stack, wait_for
from tests.support.automation_data import approved_announcement, ensure_segments, subscriber

QUIET_BEAT = {"NEWSDESK_AUTOMATION_INTERVAL_S": "3600"}  # only the CLI's clock plans digests
FAST_RECOVERY = {"NEWSDESK_STALE_CLAIM_S": "3", "NEWSDESK_SEND_BATCH_SIZE": "50", **QUIET_BEAT}


def _run_due(stack: LiveStack, now: datetime) -> str:
    result = stack.cli("digest", "run-due", "--now", now.isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _all_sent() -> bool:
    with session_scope() as session:
        campaigns = session.exec(select(Campaign).where(Campaign.cadence != "issue")).all()
        return all(c.status == "sent" for c in campaigns)


def _add_schedules(stack: LiveStack) -> None:
    for cadence in ("weekly", "monthly"):
        result = stack.cli(
            "digest",
            "add",
            f"{cadence} digest",
            "--segment",
            "everyone",
            "--cadence",
            cadence,
            "--subject-en",
            "Digest {period}",
            "--subject-de",
            "Digest {period} (de)",
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_three_weekly_digests_and_a_monthly_one_at_the_smtp_capture(tmp_path: Path) -> None:
    with live_stack(
        tmp_path, database_url=postgres_url(), broker_url=redis_url(), extra_env=QUIET_BEAT
    ) as stack:
        with session_scope() as session:
            ensure_segments(session)
            approved_announcement(session, slug="mou", segments=["everyone"])
            approved_announcement(session, slug="lung-call", segments=["lung"])
            subscriber(session, email="en@example.org", language="en")
            subscriber(session, email="de@example.org", language="de", topics=("lung",))
            subscriber(session, email="issue@example.org", cadence=Cadence.ISSUE)
            subscriber(session, email="m@example.org", cadence=Cadence.MONTHLY, topics=("lung",))
        _add_schedules(stack)
        start = datetime.now(UTC)
        assert "created" in _run_due(stack, start + timedelta(days=7))
        wait_for(_all_sent, 60, "the first weekly digest")
        with session_scope() as session:
            approved_announcement(session, slug="atlas", segments=["everyone"])
        assert "created" in _run_due(stack, start + timedelta(days=14))
        wait_for(_all_sent, 60, "the second weekly digest")
        third = _run_due(stack, start + timedelta(days=21))
        assert "skipped" in third and "created" not in third  # nothing new for anyone
        first_of_month = (start.replace(day=1) + timedelta(days=45)).replace(day=1, hour=12)
        monthly = _run_due(stack, first_of_month)
        assert "created" in monthly
        wait_for(_all_sent, 60, "the monthly digest")
        time.sleep(0.5)
        got = items_received(stack.capture.captured)
        assert got == Counter(
            {
                ("en@example.org", "en", "mou"): 1,
                ("en@example.org", "en", "atlas"): 1,
                ("de@example.org", "de", "mou"): 1,
                ("de@example.org", "de", "lung-call"): 1,
                ("de@example.org", "de", "atlas"): 1,
                ("m@example.org", "en", "mou"): 1,
                ("m@example.org", "en", "lung-call"): 1,
                ("m@example.org", "en", "atlas"): 1,
            }
        )
        per_person = Counter(r for mail in stack.capture.captured for r in mail.rcpt_tos)
        assert per_person == Counter({"en@example.org": 2, "de@example.org": 2, "m@example.org": 1})


@pytest.mark.slow
def test_a_digest_killed_mid_send_resumes_without_duplicates_or_misses(tmp_path: Path) -> None:
    with live_stack(
        tmp_path,
        database_url=postgres_url(),
        broker_url=redis_url(),
        smtp_delay_s=0.003,
        extra_env=FAST_RECOVERY,
    ) as stack:
        with session_scope() as session:
            ensure_segments(session)
            approved_announcement(session, slug="mou", segments=["everyone"])
            emails = {f"r{i}@example.org" for i in range(600)}
            for address in sorted(emails):
                subscriber(session, email=address, language="de" if "7" in address else "en")
        _add_schedules(stack)
        assert "created" in _run_due(stack, datetime.now(UTC) + timedelta(days=7))
        wait_for(lambda: len(stack.capture.captured) >= 100, 60, "the digest to be under way")
        kill_worker(stack.worker)
        time.sleep(0.5)
        with session_scope() as session:
            (run,) = session.exec(select(DigestRun).where(DigestRun.campaign_id.is_not(None))).all()  # type: ignore[union-attr]
            campaign_id = run.campaign_id
        from tests.integration.test_crash_recovery import (
            IN_FLIGHT_PER_PROCESS,
            WORKER_PROCESSES,
            _marked_sent,
        )

        in_flight = len(
            {r for m in stack.capture.captured for r in m.rcpt_tos} - _marked_sent(campaign_id)
        )
        stack.worker = start_worker(tmp_path, stack.env)
        wait_for(_all_sent, 120, "the digest to finish after the restart")
        counts = Counter(r for mail in stack.capture.captured for r in mail.rcpt_tos)
        duplicates = sum(n - 1 for n in counts.values())
        assert set(counts) == emails  # no misses
        # only what was in flight at the kill: up to SMTP_CONNECTIONS sends per worker process
        assert duplicates <= in_flight <= WORKER_PROCESSES * IN_FLIGHT_PER_PROCESS
        print(f"\nkill -9: {in_flight} in flight, {duplicates} twice, {len(counts)} recipients")

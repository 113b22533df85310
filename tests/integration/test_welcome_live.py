"""The welcome series: confirmation over HTTP starts it, a one-click unsubscribe after step 1
stops it, and a worker restart between steps neither repeats nor skips a step."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.api.app import create_app
from service.audience.doi_mail import confirm_url
from service.db import session_scope
from service.demo.run import start_worker, stop_worker
from service.domain.addresses import email_hash
from service.models import Delivery, Subscriber, WelcomeEnrolment
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.automation_mail import header
from tests.integration.live_stack import LiveStack, live_stack, wait_for
from tests.support.audience import hold_lists

# the CLI's tick carries the clock; the admin token lets the API start on PostgreSQL + Redis
QUIET_BEAT = {"NEWSDESK_AUTOMATION_INTERVAL_S": "3600", "NEWSDESK_ADMIN_TOKEN": "t" * 32}


def _signup(address: str) -> int:
    with session_scope() as session:
        row = Subscriber(email=address, email_hash=email_hash(address, get_settings().secret_bytes))
        session.add(row)
        hold_lists(session, [row], ["newsletter"])  # consent is per list: the series' list
        assert row.id is not None
        return row.id


def _tick(stack: LiveStack, now: datetime) -> str:
    result = stack.cli("automation", "tick", "--now", now.isoformat())
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _sent_count() -> int:
    with session_scope() as session:
        return len(session.exec(select(Delivery).where(Delivery.status == "sent")).all())


def _subjects(stack: LiveStack) -> Counter[tuple[str, str]]:
    return Counter(
        (rcpt, header(mail, "Subject")) for mail in stack.capture.captured for rcpt in mail.rcpt_tos
    )


@pytest.mark.slow
def test_welcome_series_start_stop_and_restart(tmp_path: Path) -> None:
    with live_stack(
        tmp_path, database_url=postgres_url(), broker_url=redis_url(), extra_env=QUIET_BEAT
    ) as stack:
        assert stack.cli("welcome", "add", "Welcome", "--language", "en").returncode == 0
        for position, subject, delay in (
            (1, "Welcome aboard", 0),
            (2, "How to reach a coordinator", 3 * 24 * 60),
        ):
            result = stack.cli(
                "welcome",
                "step",
                "1",
                str(position),
                subject,
                "--delay-minutes",
                str(delay),
                "--body",
                "Hello from {{ list_name }}.",
            )
            assert result.returncode == 0, result.stdout + result.stderr
        stays, leaves = _signup("stays@example.org"), _signup("leaves@example.org")
        api = TestClient(create_app())
        for subscriber_id in (stays, leaves):  # the link of the double opt-in mail, as clicked
            path = urlsplit(confirm_url(subscriber_id, datetime.now(UTC))).path
            assert api.post(path).status_code == 200
        start = datetime.now(UTC)
        _tick(stack, start)
        wait_for(lambda: _sent_count() == 2, 60, "step 1 to both")
        step1 = next(m for m in stack.capture.captured if "leaves@example.org" in m.rcpt_tos)
        unsubscribe = header(step1, "List-Unsubscribe").split("<", 1)[1].split(">", 1)[0]
        response = api.post(urlsplit(unsubscribe).path, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        stop_worker(stack.worker)  # the restart between the steps
        assert "0 send" in _tick(stack, start + timedelta(days=1))  # step 2 not due yet
        _tick(stack, start + timedelta(days=3, minutes=1))  # published while no worker runs
        stack.worker = start_worker(tmp_path, stack.env)
        wait_for(lambda: _sent_count() == 3, 60, "step 2 after the restart")
        _tick(stack, start + timedelta(days=4))  # later ticks: nothing is repeated
        time.sleep(2)
        assert _subjects(stack) == Counter(
            {
                ("stays@example.org", "Welcome aboard"): 1,
                ("stays@example.org", "How to reach a coordinator"): 1,
                ("leaves@example.org", "Welcome aboard"): 1,
            }
        )
        with session_scope() as session:
            stopped = session.exec(
                select(WelcomeEnrolment).where(WelcomeEnrolment.subscriber_id == leaves)
            ).one()
            assert stopped.stopped_at is not None

"""Finding 5: one subscriber cannot pause a campaign; a pause for 4xx resumes itself.

(a) five forged 5.7.1 reports about one subscriber's own copy, over SMTP to the receiver;
(b) a relay answering 451 to everything: PostgreSQL + Redis + a real worker with beat, the
relay a real aiosmtpd server that refuses until the campaign has paused itself.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from service.campaigns.authoring import schedule
from service.db import get_engine, session_scope
from service.demo.capture import free_port
from service.demo.seed import seed
from service.models import Campaign, Delivery, SenderAlert
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for
from tests.security.conftest import Inbound, count, sent_campaign, subscriber, verp
from tests.security.test_forged_bounces import dsn


def test_one_subscriber_forging_policy_reports_pauses_nothing(inbound: Inbound) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        eve = subscriber(s, "eve@uni.example")
        others = [subscriber(s, f"p{n}@provider{n}.example") for n in range(3)]
        campaign = sent_campaign(s, [eve, *others], status="sending")
    own = verp(campaign.id, eve.id)  # type: ignore[arg-type]
    for n in range(5):
        raw = dsn(
            to=own, rcpt=eve.email, status="5.7.26", diagnostic="550 unauthenticated mail"
        ).replace(b"<dsn1@", f"<d{n}@".encode())
        inbound.send(raw, mail_from="", rcpt=own)
    with Session(get_engine()) as s:
        assert s.get(Campaign, campaign.id).status == "sending"  # type: ignore[union-attr]
    assert count(SenderAlert) == 1  # one delivery, one alert


class GreylistingRelay:
    """451 to every message while `refusing`; then accepts and keeps what it got."""

    def __init__(self) -> None:
        self.refusing, self.refused, self.accepted = True, 0, []  # type: ignore[var-annotated]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refusing:
            self.refused += 1
            return "451 4.7.1 greylisted, try again later"
        self.accepted.append(envelope.rcpt_tos[0])
        return "250 OK"


def _campaign() -> Campaign:
    with session_scope() as session:
        return session.exec(select(Campaign)).one()


@pytest.mark.slow
def test_a_pause_for_temporary_failures_resumes_itself_and_says_so(tmp_path: Path) -> None:
    relay, port = GreylistingRelay(), free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"NEWSDESK_SMTP_URL": f"smtp://127.0.0.1:{port}", "NEWSDESK_AUTO_RESUME_BASE_S": "1",
           "NEWSDESK_RETRY_BASE_S": "0.2"}  # fmt: skip
    try:
        with live_stack(
            tmp_path, database_url=postgres_url(), broker_url=redis_url(), extra_env=env
        ):
            with session_scope() as session:
                demo = seed(session, secret=get_settings().secret_bytes, subscribers=40)
                schedule(session, campaign_id=demo.campaign_id, send_at=None)
            wait_for(lambda: _campaign().status == "paused", 60, "the 451s to pause it")
            assert "consecutive send errors" in (_campaign().status_reason or "")
            relay.refusing = False  # the greylisting period is over
            wait_for(lambda: _campaign().status == "sent", 90, "it to resume and finish")
            from service.campaigns.history import history

            with session_scope() as session:
                kinds = [e.kind for e in history(session, campaign_id=demo.campaign_id)]
                details = " ".join(e.detail for e in history(session, campaign_id=demo.campaign_id))
            assert "auto-pause" in kinds and "auto-resume" in kinds
            assert "temporary failures" in details
            copies = Counter(relay.accepted)
            assert relay.refused >= 20 and set(copies.values()) == {1}  # each exactly once
            with session_scope() as session:
                sent = session.exec(
                    select(sa.func.count()).where(
                        Delivery.campaign_id == demo.campaign_id, Delivery.status == "sent"
                    )
                ).one()
            assert len(copies) == sent > 0
    finally:
        controller.stop()

"""A campaign really sent, opened, clicked and left, on the live newsroom's database.

The demo world is seeded and sent through the real send path (fan-out, editions, SMTP pool)
into an SMTP capture; the tests then act as readers against the live server: they load the
open pixel and follow links (as a browser would, after the scanner window) and use one
one-click unsubscribe. The server buffers tracking events in Redis; `drain` moves them into
PostgreSQL as the worker's beat task does.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from service.campaigns.authoring import schedule
from service.campaigns.lifecycle import start_due
from service.campaigns.runner import complete_if_done, fan_out_next
from service.campaigns.sender import send_range
from service.db import reset_engine, session_scope
from service.demo.capture import MailCapture
from service.demo.seed import seed
from service.inbound.intake.store import store_inbound
from service.mail.smtp_pool import SmtpPool
from service.models import Subscriber
from service.models._common import table_of, utcnow
from service.settings import get_settings, reset_settings
from service.tracking.ingest import drain
from tests.integration.mail_clients import mailto_message, newsletter_from
from workers.tasks.inbound import process_inbound_message

CLICK = re.compile(r'href="(http://[^"]+/t/c/[a-z2-7]{40})"')
PIXEL = re.compile(r'src="(http://[^"]+/t/o/[a-z2-7]{40}\.gif)"')
PREFS = re.compile(r'href="(http://[^"]+/p/[^"]+)"')
BROWSER = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}


@dataclass(frozen=True)
class SentDemo:
    """The sent campaign and what its readers did."""

    campaign_id: int
    messages: int
    opened: int  # distinct readers who loaded the pixel
    clicked: int  # distinct readers who followed a link
    list_unsubscribed: int  # one-click: leaves the campaign's list only
    left_all: int  # preference centre "leave everything"; both count as the report's unsubscribes
    replies: int  # replies to an announcement's mailto: link, routed to its coordinator


def _send(campaign_id: int) -> None:
    settings = get_settings()
    while True:
        step, ranges = fan_out_next(campaign_id=campaign_id, settings=settings)
        for first, last in ranges:
            send_range(
                campaign_id=campaign_id, first_id=first, last_id=last,
                settings=settings, transport=SmtpPool(settings),
            )  # fmt: skip
        if step.done:
            break
    assert complete_if_done(campaign_id=campaign_id), "every delivery is final"


def _read(messages: list[EmailMessage]) -> tuple[int, int, int, int]:
    """Open 6 mails, click in 3, one-click unsubscribe from 1, leave all from 1 (real HTTP)."""
    opened = clicked = 0
    with httpx.Client(headers=BROWSER, follow_redirects=False, timeout=10) as client:
        for n, message in enumerate(messages[:6]):
            html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
            pixel = PIXEL.search(html)
            assert pixel, "consenting readers' mail carries the pixel"
            assert client.get(pixel.group(1)).status_code == 200
            opened += 1
            if n < 3:
                assert client.get(CLICK.findall(html)[0]).status_code in (302, 303)
                clicked += 1
        unsubscribe = re.search(
            r"<(https?://[^>]+/u/[^>]+)>", str(messages[-1]["List-Unsubscribe"])
        )
        assert unsubscribe
        answer = client.post(unsubscribe.group(1), data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200
        html = messages[-2].get_body(("html",)).get_content()  # type: ignore[union-attr]
        prefs = PREFS.search(html)
        assert prefs, "every mail links its preference centre"
        assert client.post(prefs.group(1), data={"action": "leave_all"}).status_code == 200
    return opened, clicked, 1, 1


def _reply(capture: MailCapture, message: EmailMessage) -> int:
    """A reader writes to an announcement's mailto: address; the inbound task body routes it."""
    reader = newsletter_from(capture.captured[0].mail_from, message)
    raw = mailto_message(
        sender=str(message["To"]), to=reader.announcement_mailtos[0],
        subject="Question", question="Can postdocs apply too?", signature="A reader",
    )  # fmt: skip
    stored = store_inbound(
        raw=raw, envelope_from=str(message["To"]), envelope_to=[reader.announcement_mailtos[0]]
    )
    outcome = process_inbound_message.run(stored)
    assert outcome == {"kind": "inquiry", "action": "forwarded"}, outcome
    return 1


def send_demo_campaign(env: dict[str, str], tmp: Path) -> SentDemo:
    """Seed, send, read; settings of this process point at the live server meanwhile."""
    with pytest.MonkeyPatch.context() as patch, MailCapture(tmp / "maildir") as capture:
        for name in (
            "NEWSDESK_DATABASE_URL",
            "NEWSDESK_SECRET_KEY",
            "NEWSDESK_PUBLIC_URL",
            "NEWSDESK_REDIS_URL",
            "NEWSDESK_BROKER_DIR",
            "NEWSDESK_SCANNER_WINDOW_S",
        ):
            patch.setenv(name, env[name])  # fmt: skip
        patch.setenv("NEWSDESK_SMTP_URL", f"smtp://127.0.0.1:{capture.port}")
        reset_settings()
        reset_engine()
        try:
            with session_scope() as session:
                summary = seed(session, secret=get_settings().secret_bytes, subscribers=30)
                session.execute(sa.update(table_of(Subscriber)).values(tracking_consent=True))
                schedule(session, campaign_id=summary.campaign_id, send_at=None)
                start_due(session, now=utcnow())
            _send(summary.campaign_id)
            messages = [
                email.message_from_bytes(m.data, policy=email.policy.default)
                for m in capture.captured
            ]
            opened, clicked, one_click, left_all = _read(messages)  # type: ignore[arg-type]
            drain(get_settings(), budget_s=10)
            replies = _reply(capture, messages[0])  # type: ignore[arg-type]
        finally:
            reset_engine()
            reset_settings()
    return SentDemo(
        summary.campaign_id, len(messages), opened, clicked, one_click, left_all, replies
    )

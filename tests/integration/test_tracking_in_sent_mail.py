"""Links in mail the send path really produced redirect to the right place and are counted."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.addressing.tokens import codec
from service.api.app import create_app
from service.campaigns.authoring import schedule
from service.campaigns.lifecycle import start_due
from service.campaigns.runner import fan_out_next
from service.campaigns.sender import send_range
from service.demo.capture import MailCapture
from service.demo.seed import seed
from service.mail.smtp_pool import SmtpPool
from service.models import Campaign, Edition, Subscriber, TrackingEvent
from service.models._common import table_of, utcnow
from service.settings import get_settings, reset_settings

CLICK = re.compile(r'href="(http://[^"]+/t/c/[a-z2-7]{40})"')
PIXEL = re.compile(r'src="(http://[^"]+/t/o/([a-z2-7]{40})\.gif)"')


def _send_demo(
    session: Session, tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> list:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=30)
    session.execute(sa.update(table_of(Subscriber)).values(tracking_consent=True))
    campaign = session.get(Campaign, summary.campaign_id)
    assert campaign is not None
    campaign.tracking = mode
    session.add(campaign)
    schedule(session, campaign_id=summary.campaign_id, send_at=None)
    start_due(session, now=utcnow())
    session.commit()
    with MailCapture(tmp_path / "maildir") as capture:
        monkeypatch.setenv("NEWSDESK_SMTP_URL", f"smtp://127.0.0.1:{capture.port}")
        reset_settings()
        settings = get_settings()
        while True:
            step, ranges = fan_out_next(campaign_id=summary.campaign_id, settings=settings)
            for first, last in ranges:
                send_range(
                    campaign_id=summary.campaign_id,
                    first_id=first,
                    last_id=last,
                    settings=settings,
                    transport=SmtpPool(settings),
                )
            if step.done:
                break
        return [
            email.message_from_bytes(m.data, policy=email.policy.default) for m in capture.captured
        ]


def test_click_links_in_sent_mail_redirect_to_the_edition_links(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSDESK_REDIS_URL", raising=False)  # events go straight to the database
    messages = _send_demo(session, tmp_path, "consent", monkeypatch)
    assert messages
    editions = list(session.exec(select(Edition)))
    registered = {link for e in editions for link in e.links}
    client = TestClient(create_app())
    clicked = 0
    for msg in messages[:5]:
        html = msg.get_body(("html",)).get_content()
        assert PIXEL.search(html), "a consenting subscriber's mail has the open pixel"
        for url in CLICK.findall(html):
            answer = client.get(
                urlsplit(url).path,
                follow_redirects=False,
                headers={"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"},
            )
            assert answer.status_code in (302, 303)
            assert answer.headers["location"] in registered
            clicked += 1
    assert clicked
    session.expire_all()
    clicks = session.exec(select(TrackingEvent).where(TrackingEvent.kind == "click")).all()
    assert len(clicks) == clicked


def test_aggregate_campaign_tokens_carry_no_subscriber(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = _send_demo(session, tmp_path, "aggregate", monkeypatch)
    tokens = codec(get_settings())
    for msg in messages:
        match = PIXEL.search(msg.get_body(("html",)).get_content())
        assert match is not None
        ids = tokens.decode_open(match.group(2))
        assert ids is not None and ids.subscriber_id == 0

"""Sunset policy (STANDARDS F6) on a real worker, a real SMTP capture and an injected clock.

Five years of history are written as rows; the daily task runs in a Celery worker process with
`now` passed in, and its re-permission mail is read at the SMTP server. "Keep me subscribed"
goes through the real app over HTTP; re-subscribing after a sunset through the signup form.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import time
from datetime import datetime, timedelta
from email.message import EmailMessage

import dkim
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.db import get_engine, session_scope
from service.domain.addresses import email_hash
from service.models import (
    Campaign,
    ConsentEvent,
    Delivery,
    Subscriber,
    SunsetRequest,
    Suppression,
    TrackingEvent,
)
from service.models._common import utcnow
from tests.conftest import TEST_SECRET, postgres_url, redis_url
from tests.integration.live_stack import LiveStack, live_stack, wait_for

T0 = utcnow().replace(microsecond=0)
ENV = {
    "NEWSDESK_SUNSET_ENABLED": "true",
    "NEWSDESK_SUNSET_AFTER_CAMPAIGNS": "3",
    "NEWSDESK_SUNSET_AFTER_MONTHS": "12",
    "NEWSDESK_SUNSET_GRACE_DAYS": "14",
    "NEWSDESK_PUBLIC_URL": "https://news.partnership.example.org",
}


def _person(s: Session, name: str, *, consent: bool, language: str = "en") -> Subscriber:
    sub = Subscriber(
        email=f"{name}@uni.example",
        email_hash=email_hash(f"{name}@uni.example", TEST_SECRET.encode()),
        language=language,
        status="confirmed",
        tracking_consent=consent,
        created_at=T0 - timedelta(days=800),
        confirmed_at=T0 - timedelta(days=800),
    )
    s.add(sub)
    s.flush()
    return sub


def _campaign(s: Session, days_ago: int, tracking: str = "consent") -> Campaign:
    campaign = Campaign(
        name=f"news {days_ago}", subject_en="News", subject_de="News", status="sent",
        tracking=tracking, started_at=T0 - timedelta(days=days_ago),
    )  # fmt: skip
    s.add(campaign)
    s.flush()
    return campaign


def _sent(s: Session, campaign: Campaign, *people: Subscriber) -> None:
    for sub in people:
        s.add(
            Delivery(
                campaign_id=campaign.id, subscriber_id=sub.id, edition_key="en", status="sent",
                message_id=f"<c{campaign.id}s{sub.id}@news.partnership.example.org>",
                sent_at=campaign.started_at,
            )
        )  # fmt: skip


def _event(s: Session, sub: Subscriber, campaign: Campaign, *, at: datetime, **kw: object) -> None:
    s.add(
        TrackingEvent(
            campaign_id=campaign.id, subscriber_id=sub.id, occurred_at=at,
            kind=kw.pop("kind", "open"), **kw,
        )
    )  # fmt: skip


def _world() -> dict[str, int]:
    """ada, bob (machine opens only), eve (months) are unengaged; cy, dee, gus are not judged so."""
    with Session(get_engine(), expire_on_commit=False) as s:
        ada = _person(s, "ada", consent=True, language="de")
        bob = _person(s, "bob", consent=True)
        cy = _person(s, "cy", consent=True)
        dee = _person(s, "dee", consent=False)  # no tracking consent: never judged
        eve = _person(s, "eve", consent=True)
        gus = _person(s, "gus", consent=True)
        old = _campaign(s, 400)
        _sent(s, old, eve)  # one campaign, 13 months ago, nothing since
        recent = [_campaign(s, d) for d in (90, 60, 30)]
        for c in recent:
            _sent(s, c, ada, bob, cy, dee)
        for c in recent:  # Apple MPP prefetches every message: machine opens, not engagement
            _event(s, bob, c, at=c.started_at + timedelta(minutes=1), machine=True, reason="mpp")
        _event(s, cy, recent[1], at=recent[1].started_at + timedelta(hours=5), kind="click")
        for d in (80, 50, 20):  # campaigns tracked only in aggregate say nothing about gus
            _sent(s, _campaign(s, d, tracking="aggregate"), gus)
        s.commit()
        return {p.email.split("@")[0]: p.id for p in (ada, bob, cy, dee, eve, gus)}  # type: ignore[misc]


def _run(stack: LiveStack, now: datetime) -> None:
    queued = stack.cli("sunset", "--now", now.isoformat())
    assert queued.returncode == 0, queued.stdout + queued.stderr


def _mails(stack: LiveStack) -> dict[str, tuple[bytes, EmailMessage]]:
    found = {}
    for m in stack.capture.captured:
        msg = email.message_from_bytes(m.data, policy=email.policy.default)
        found[m.rcpt_tos[0].split("@")[0]] = (m.data, msg)
    return found


def _ledger(subscriber_id: int) -> list[ConsentEvent]:
    with Session(get_engine()) as s:
        stmt = select(ConsentEvent).where(ConsentEvent.subscriber_id == subscriber_id)
        return list(s.exec(stmt.order_by(sa.column("id"))))


@pytest.mark.slow
def test_F6_D8_sunset_asks_first_then_stops_mailing_the_silent_only(tmp_path) -> None:
    with live_stack(
        tmp_path, database_url=postgres_url(), broker_url=redis_url(), workers=1, extra_env=ENV
    ) as stack:
        ids = _world()
        dry = stack.cli("sunset", "--dry-run", "--now", T0.isoformat(), "--json")
        assert dry.returncode == 0, dry.stdout + dry.stderr
        would = {c["subscriber_id"] for c in json.loads(dry.stdout)["asked"]}
        assert would == {ids["ada"], ids["bob"], ids["eve"]}
        table = stack.cli("sunset", "--dry-run", "--now", T0.isoformat())
        assert "ada@uni.example" in table.stdout and "dee@uni.example" not in table.stdout
        assert not stack.capture.captured, "a dry run sends nothing"

        _run(stack, T0)
        wait_for(lambda: len(stack.capture.captured) >= 3, 60, "three re-permission mails")
        time.sleep(1.0)
        mails = _mails(stack)
        assert set(mails) == {"ada", "bob", "eve"}
        record = stack.dkim_record.read_text().strip().encode()
        for name, (raw, msg) in mails.items():
            assert dkim.verify(raw, dnsfunc=lambda _n, timeout=5: record), name
            assert msg["Auto-Submitted"] == "auto-generated" and msg["Date"] and msg["Message-ID"]
            assert msg["List-Unsubscribe"] is None  # a question about consent, not a newsletter
        assert mails["ada"][1]["Subject"] == "Möchten Sie unseren Newsletter weiter erhalten?"
        assert mails["bob"][1]["Subject"] == "Do you still want our newsletter?"
        text = mails["ada"][1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        keep = re.search(r"https://news\.partnership\.example\.org(/keep/[a-z2-7]{40})", text)
        assert keep is not None and "14 Tagen" in text

        # its own network: the per-network signup throttle in the shared Redis is not this test's
        client = TestClient(_app(), follow_redirects=False, client=("198.51.100.7", 50000))
        page = client.get(keep.group(1))
        assert page.status_code == 200 and "weiter erhalten" in page.text
        with Session(get_engine()) as s:  # GET changed nothing (link scanners prefetch)
            assert s.get(SunsetRequest, ids["ada"]).outcome == "asked"  # type: ignore[union-attr]
        assert client.post(keep.group(1)).status_code == 200
        assert client.post(keep.group(1)).status_code == 200  # idempotent
        forged = keep.group(1)[:-1] + ("a" if keep.group(1)[-1] != "a" else "b")
        assert client.post(forged).status_code == 404
        kept = [e for e in _ledger(ids["ada"]) if e.detail.get("reason") == "sunset-keep"]
        assert len(kept) == 1 and kept[0].event == "preference_change"

        with Session(get_engine()) as s:  # during the grace: eve reads (a human), bob's proxy
            recent = s.exec(select(Campaign).where(Campaign.name == "news 30")).one()
            _event(s, s.get(Subscriber, ids["eve"]), recent, at=T0 + timedelta(days=1))  # type: ignore[arg-type]
            bob = s.get(Subscriber, ids["bob"])
            _event(s, bob, recent, at=T0 + timedelta(days=2), machine=True, reason="mpp")  # type: ignore[arg-type]
            s.commit()

        _run(stack, T0 + timedelta(days=13))  # grace not over: nobody is sunset yet
        wait_for(lambda: _outcome(ids["eve"]) == "kept", 60, "eve's engagement to count")
        assert _status(ids["bob"]) == "confirmed"

        _run(stack, T0 + timedelta(days=15))
        wait_for(lambda: _status(ids["bob"]) == "unsubscribed", 60, "bob to be sunset")
        time.sleep(1.0)
        assert len(stack.capture.captured) == 3, "nobody is asked twice"
        assert {n: _status(i) for n, i in ids.items()} == {
            "ada": "confirmed", "bob": "unsubscribed", "cy": "confirmed",
            "dee": "confirmed", "eve": "confirmed", "gus": "confirmed",
        }  # fmt: skip
        [withdrawal] = [e for e in _ledger(ids["bob"]) if e.event == "withdrawal"]
        assert withdrawal.detail["reason"] == "sunset" and withdrawal.source == "sunset policy"
        assert withdrawal.detail["unanswered_campaigns"] == 3
        with Session(get_engine()) as s:
            assert not s.exec(select(Suppression)).all(), "sunset is no suppression"
        late = re.search(
            r"(/keep/[a-z2-7]{40})", mails["bob"][1].get_body(("plain",)).get_content()
        )  # type: ignore[union-attr]
        assert late is not None
        answer = client.post(late.group(1))  # too late: said plainly, nothing changes
        assert answer.status_code == 200 and "subscribe again" in answer.text
        assert _status(ids["bob"]) == "unsubscribed"

        # bob may come back: the form sends him a confirmation request like anyone new
        from service.audience.throttle import signup_throttle

        signup_throttle.cache_clear()  # this stack's throttle, not one an earlier test built
        signup = client.post(
            "/subscribe",
            data={"email": "bob@uni.example", "language": "en", "lists": ["newsletter"],
                  "consent": "yes"},
        )  # fmt: skip
        assert signup.status_code == 200, signup.text
        wait_for(lambda: len(stack.capture.captured) == 4, 60, "bob's confirmation request")
        assert stack.capture.captured[-1].rcpt_tos == ["bob@uni.example"]


def _app():  # the real ASGI app, built after live_stack set the environment
    from service.api.app import create_app
    from service.api.public_pages import get_mail_sender
    from tests.support.live import publish_signup_mail

    app = create_app()
    # the confirmation goes to this stack's broker: the module-level Celery app of this test
    # process may have been built for an earlier test's
    app.dependency_overrides[get_mail_sender] = lambda: publish_signup_mail
    return app


def _status(subscriber_id: int) -> str:
    with session_scope() as s:
        return str(s.get(Subscriber, subscriber_id).status)  # type: ignore[union-attr]


def _outcome(subscriber_id: int) -> str | None:
    with session_scope() as s:
        row = s.get(SunsetRequest, subscriber_id)
        return None if row is None else str(row.outcome)

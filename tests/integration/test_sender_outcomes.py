"""Each send outcome lands on the delivery row; bad recipients never stall a campaign."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, select

from service.campaigns.authoring import schedule
from service.campaigns.lifecycle import get_campaign, start_due
from service.campaigns.runner import fan_out_next
from service.campaigns.sender import send_range
from service.demo.capture import free_port
from service.demo.seed import seed
from service.mail.smtp_pool import SmtpPool
from service.models import Campaign, Delivery, SenderAlert, Subscriber, Suppression
from service.models._common import utcnow
from service.settings import get_settings, reset_settings


@dataclass
class PickyHandler:
    """By the local part: unknown -> 550 5.1.1, later -> 451, policy -> 554 5.7.1 after DATA."""

    accepted: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if address.startswith("unknown"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.startswith("later"):
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if envelope.rcpt_tos[0].startswith("policy"):
            return "554 5.7.1 Message rejected by content policy"
        self.accepted.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def picky_smtp(session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[PickyHandler]:
    handler = PickyHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("NEWSDESK_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    reset_settings()
    yield handler
    controller.stop()


def _campaign_with(session: Session, emails: dict[int, str]) -> int:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=40)
    for index, email in emails.items():
        person = session.exec(select(Subscriber).order_by(Subscriber.id).offset(index)).first()
        assert person is not None
        person.email = email
        person.status = "confirmed"
        session.add(person)
    schedule(session, campaign_id=summary.campaign_id, send_at=None)
    start_due(session, now=utcnow())
    session.commit()
    return summary.campaign_id


def _fan_out(campaign_id: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    while True:
        step, batch = fan_out_next(campaign_id=campaign_id, settings=get_settings())
        ranges += batch
        if step.done:
            return ranges


def _send(campaign_id: int, ranges: list[tuple[int, int]]) -> list[int]:
    settings = get_settings()
    pool = SmtpPool(settings)
    retry: list[int] = []
    for first, last in ranges:
        result = send_range(
            campaign_id=campaign_id, first_id=first, last_id=last, settings=settings, transport=pool
        )
        retry += result.retry_ids
    return retry


def _send_all(campaign_id: int) -> list[int]:
    return _send(campaign_id, _fan_out(campaign_id))


def _delivery(session: Session, campaign_id: int, email: str) -> Delivery:
    person = session.exec(select(Subscriber).where(Subscriber.email == email)).one()
    session.refresh(person)
    row = session.exec(
        select(Delivery).where(
            Delivery.campaign_id == campaign_id, Delivery.subscriber_id == person.id
        )
    ).one()
    session.refresh(row)
    return row


def test_outcomes_are_recorded_per_recipient(session: Session, picky_smtp: PickyHandler) -> None:
    emails = {
        1: "unknown.reader@example.org",
        2: "later.reader@example.org",
        3: "jürgen@example.org",
    }
    campaign_id = _campaign_with(session, emails)
    retry = _send_all(campaign_id)
    hard = _delivery(session, campaign_id, emails[1])
    assert hard.status == "failed" and "5.1.1" in (hard.last_error or ""), (
        hard.attempts,
        hard.last_error,
    )
    person = session.exec(select(Subscriber).where(Subscriber.email == emails[1])).one()
    assert person.status == "blocklisted"
    assert session.exec(
        select(Suppression).where(Suppression.email_hash == person.email_hash)
    ).one()
    soft = _delivery(session, campaign_id, emails[2])
    assert soft.status == "queued", (soft.attempts, soft.last_error)
    assert soft.attempts == 1 and soft.id in retry
    refused = _delivery(session, campaign_id, emails[3])
    assert refused.status == "failed" and refused.last_error
    assert "jürgen@example.org" not in picky_smtp.accepted
    sent = session.exec(
        select(Delivery).where(Delivery.campaign_id == campaign_id, Delivery.status == "sent")
    ).all()
    assert len(sent) == len(picky_smtp.accepted) > 20


def test_B5_suppression_during_a_send_skips_the_rest(
    session: Session, picky_smtp: PickyHandler
) -> None:
    campaign_id = _campaign_with(session, {})
    ranges = _fan_out(campaign_id)  # deliveries exist, queued: now one recipient complains
    queued = session.exec(select(Delivery).order_by(Delivery.id.desc())).first()
    assert queued is not None and queued.status == "queued"
    person = session.get(Subscriber, queued.subscriber_id)
    assert person is not None
    session.add(Suppression(email_hash=person.email_hash, reason="complaint"))
    session.commit()
    _send(campaign_id, ranges)
    session.refresh(queued)
    assert queued.status == "skipped"
    assert person.email not in picky_smtp.accepted
    assert len(picky_smtp.accepted) > 20


def test_consecutive_errors_pause_the_campaign_with_a_reason(
    session: Session, picky_smtp: PickyHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_MAX_CONSECUTIVE_ERRORS", "3")
    reset_settings()
    campaign_id = _campaign_with(session, {i: f"later.{i}@example.org" for i in range(1, 40)})
    _send_all(campaign_id)
    campaign = session.get(Campaign, campaign_id)
    session.refresh(campaign)
    assert campaign.status == "paused"
    # Sends in flight when the limit is reached are counted too, so the count may exceed it.
    assert "consecutive send errors (limit 3)" in (campaign.status_reason or "")
    assert get_campaign(session, campaign_id=campaign_id).status == "paused"


def test_leaving_the_list_during_a_send_skips_the_rest(
    session: Session, picky_smtp: PickyHandler
) -> None:
    from service.audience.withdrawal import leave_list
    from service.models import WithdrawalChannel

    campaign_id = _campaign_with(session, {})
    ranges = _fan_out(campaign_id)
    queued = session.exec(select(Delivery).order_by(Delivery.id.desc())).first()
    assert queued is not None
    person = session.get(Subscriber, queued.subscriber_id)
    campaign = session.get(Campaign, campaign_id)
    assert person is not None and campaign is not None
    leave_list(
        session,
        subscriber=person,
        list_slug=campaign.list_slug,
        channel=WithdrawalChannel.ONE_CLICK,
        ip=None,
        source="test",
    )
    session.commit()
    _send(campaign_id, ranges)
    session.refresh(queued)
    assert queued.status == "skipped"
    assert person.email not in picky_smtp.accepted


def test_delivered_webhooks_are_queued_per_sent_message(
    session: Session, picky_smtp: PickyHandler
) -> None:
    from service import webhooks
    from service.models import WebhookDelivery

    webhooks.add_endpoint(
        session, url="http://127.0.0.1:9/hook", secret="s" * 32, event_types=["delivered"]
    )
    session.commit()
    campaign_id = _campaign_with(session, {})
    _send_all(campaign_id)
    session.expire_all()
    queued = session.exec(
        select(WebhookDelivery).where(WebhookDelivery.event_type == "delivered")
    ).all()
    sent = session.exec(
        select(Delivery).where(Delivery.campaign_id == campaign_id, Delivery.status == "sent")
    ).all()
    assert sorted(q.payload["delivery_id"] for q in queued) == sorted(d.id for d in sent)
    assert len(sent) == len(picky_smtp.accepted) > 20


def test_sending_touches_the_heartbeat_the_recovery_sweep_reads(
    session: Session, picky_smtp: PickyHandler
) -> None:
    from service.campaigns.runner import stalled_campaigns

    campaign_id = _campaign_with(session, {})
    ranges = _fan_out(campaign_id)
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    campaign.heartbeat_at = None  # as if nothing had happened for a long time
    session.add(campaign)
    session.commit()
    first, _last = ranges[0]
    send_range(campaign_id=campaign_id, first_id=first, last_id=first, settings=get_settings(),
               transport=SmtpPool(get_settings()))  # fmt: skip
    session.expire_all()
    assert session.get(Campaign, campaign_id).heartbeat_at is not None
    assert stalled_campaigns(settings=get_settings()) == []  # a working campaign is left alone


def test_A8_policy_refusal_fails_the_delivery_but_never_blames_the_subscriber(
    session: Session, picky_smtp: PickyHandler
) -> None:
    campaign_id = _campaign_with(session, {1: "policy.reader@example.org"})
    _send_all(campaign_id)
    refused = _delivery(session, campaign_id, "policy.reader@example.org")
    assert refused.status == "failed" and "5.7.1" in (refused.last_error or "")
    person = session.exec(
        select(Subscriber).where(Subscriber.email == "policy.reader@example.org")
    ).one()
    assert person.status == "confirmed"  # not blocklisted, not suppressed: our problem
    assert (
        session.exec(select(Suppression).where(Suppression.email_hash == person.email_hash)).first()
        is None
    )
    (alert,) = session.exec(select(SenderAlert).where(SenderAlert.campaign_id == campaign_id)).all()
    assert alert.status_code == "5.7.1" and "refused at send" in alert.detail
    assert get_campaign(session, campaign_id=campaign_id).status == "sending"  # not paused by one


def test_policy_refusals_count_toward_the_campaign_pause(
    session: Session, picky_smtp: PickyHandler, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_POLICY_PAUSE_THRESHOLD", "3")
    reset_settings()
    # Interleaved with accepted mail, so the consecutive-error rule alone would never pause.
    campaign_id = _campaign_with(session, {i: f"policy.{i}@example.org" for i in range(2, 30, 3)})
    _send_all(campaign_id)
    campaign = session.get(Campaign, campaign_id)
    session.refresh(campaign)
    assert campaign.status == "paused"
    assert "policy rejections" in (campaign.status_reason or "")
    alerts = session.exec(select(SenderAlert).where(SenderAlert.campaign_id == campaign_id)).all()
    assert 3 <= len(alerts) < 10

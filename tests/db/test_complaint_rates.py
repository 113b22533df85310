"""F4 complaint rates and gate, A8 policy pause: SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from service.campaigns.complaint_gate import campaign_rates, complaint_gate, daily_rates
from service.inbound.acting.processing import process_inbound
from service.models import (
    BounceScore,
    Campaign,
    ComplaintEvent,
    Delivery,
    SenderAlert,
    Subscriber,
)
from service.models._common import table_of
from service.settings import get_settings
from tests.db.inbound_fixtures import BOUNCE_DOMAIN, TestTokenDecoder, dsn, store, world

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
DECODER = TestTokenDecoder()


def _campaign(session: Session, *, delivered: int, status: str = "sent", days_ago: int = 1) -> int:
    """A campaign whose `delivered` messages the relay accepted `days_ago` days before NOW."""
    at = NOW - timedelta(days=days_ago)
    campaign = Campaign(name="c", subject_en="s", subject_de="s", status=status, started_at=at)
    session.add(campaign)
    session.flush()
    first = session.exec(select(sa.func.coalesce(sa.func.max(Subscriber.id), 0))).one()
    rows = [
        {"email": f"p{first + n}@uni.example", "email_hash": f"h{first + n}", "status": "confirmed",
         "language": "en", "attributes": {}, "tracking_consent": False, "created_at": at}
        for n in range(1, delivered + 1)
    ]  # fmt: skip
    session.execute(sa.insert(table_of(Subscriber)), rows)
    ids = session.exec(select(Subscriber.id).where(Subscriber.id > first)).all()
    session.execute(
        sa.insert(table_of(Delivery)),
        [
            {"campaign_id": campaign.id, "subscriber_id": i, "edition_key": "k", "status": "sent",
             "message_id": f"<m{campaign.id}.{i}@news.example>", "attempts": 1, "sent_at": at}
            for i in ids
        ],
    )  # fmt: skip
    session.commit()
    assert campaign.id is not None
    return campaign.id


def _complaints(session: Session, campaign_id: int | None, n: int, *, days_ago: int = 1) -> None:
    at = NOW - timedelta(days=days_ago)
    session.add_all([ComplaintEvent(campaign_id=campaign_id, received_at=at) for _ in range(n)])
    session.commit()


@pytest.mark.parametrize(
    ("complaints", "level", "allowed"),
    [(0, "ok", True), (1, "ok", True), (2, "warn", True), (3, "block", False)],
)
def test_gate_by_the_latest_campaigns_rate(
    session: Session, complaints: int, level: str, allowed: bool
) -> None:
    """1000 delivered: 0.1% is not above the warning rate, 0.2% is, 0.3% blocks."""
    older = _campaign(session, delivered=10, days_ago=9)
    _complaints(session, older, 5, days_ago=9)  # an old, bad campaign outside the window
    latest = _campaign(session, delivered=1000)
    _complaints(session, latest, complaints)
    (rate,) = campaign_rates(session, campaign_ids=[latest])
    assert (rate.complaints, rate.delivered, rate.level) == (complaints, 1000, level)
    gate = complaint_gate(session, now=NOW)
    assert (gate.allowed, gate.level) == (allowed, level)
    assert gate.campaign == rate


@pytest.mark.parametrize(("days_ago", "allowed"), [(6, False), (7, True)])
def test_a_bad_day_blocks_for_seven_days(session: Session, days_ago: int, allowed: bool) -> None:
    _campaign(session, delivered=100, days_ago=days_ago)
    _complaints(session, None, 1, days_ago=days_ago)  # 1% that day, campaign unknown
    _campaign(session, delivered=1000)  # a clean campaign since
    gate = complaint_gate(session, now=NOW)
    assert gate.allowed is allowed
    assert len(gate.days) == get_settings().complaint_clear_days


def test_daily_rates_count_by_utc_day(session: Session) -> None:
    cid = _campaign(session, delivered=200, days_ago=2)
    _complaints(session, cid, 1, days_ago=2)
    _complaints(session, cid, 1, days_ago=1)
    today = NOW.date()
    days = daily_rates(session, since=today - timedelta(days=2), until=today)
    assert [(d.complaints, d.delivered) for d in days] == [(1, 200), (1, 0), (0, 0)]
    assert days[0].rate == pytest.approx(0.005)
    assert days[1].rate == 0.0


def _arf(original: str) -> bytes:
    return (
        "From: feedback@fbl.example\r\nTo: fbl@news.example\r\nSubject: FW: newsletter\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=F\r\n\r\n"
        "--F\r\nContent-Type: text/plain\r\n\r\nAn abuse report.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
        "User-Agent: FBL/1.0\r\nVersion: 1\r\n\r\n"
        f"--F\r\nContent-Type: text/rfc822-headers\r\n\r\n{original}\r\n--F--\r\n"
    ).encode()


def test_complaint_counts_for_the_campaign_its_message_id_names(session: Session) -> None:
    cid = _campaign(session, delivered=3)
    sub_id = session.exec(select(Delivery.subscriber_id).where(Delivery.campaign_id == cid)).first()
    original = f"Message-ID: <m{cid}.{sub_id}@news.example>\r\nTo: someone@isp.example\r\n"
    outcome = process_inbound(
        session, message_id=store(session, _arf(original), to=[]), decoder=DECODER
    )
    session.commit()
    assert outcome.action == "suppressed"
    assert session.get(Subscriber, sub_id).status == "blocklisted"
    (event,) = session.exec(select(ComplaintEvent)).all()
    assert (event.campaign_id, event.subscriber_id, event.feedback_type) == (cid, sub_id, "abuse")
    assert campaign_rates(session, campaign_ids=[cid])[0].complaints == 1


def test_complaint_counts_for_the_verp_campaign(session: Session) -> None:
    sub, *_ = world(session)
    verp = f"bounces+c42s{sub.id}@{BOUNCE_DOMAIN}"
    original = f"Return-Path: <{verp}>\r\nMessage-ID: <x@news.example>\r\nTo: {sub.email}\r\n"
    process_inbound(session, message_id=store(session, _arf(original), to=[]), decoder=DECODER)
    session.commit()
    (event,) = session.exec(select(ComplaintEvent)).all()
    assert (event.campaign_id, event.subscriber_id) == (42, sub.id)


@pytest.mark.parametrize("threshold", [5, 2])
def test_policy_rejections_pause_the_running_campaign(
    session: Session, threshold: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "policy_pause_threshold", threshold)
    cid = _campaign(session, delivered=threshold + 1, status="sending")
    subs = session.exec(select(Delivery.subscriber_id).where(Delivery.campaign_id == cid)).all()
    actions = []
    for sub_id in subs:
        email = session.get(Subscriber, sub_id).email
        verp = f"bounces+c{cid}s{sub_id}@{BOUNCE_DOMAIN}"
        raw = dsn(email, "5.7.26", "550 5.7.26 Unauthenticated email is not accepted", verp)
        actions.append(
            process_inbound(
                session, message_id=store(session, raw, to=[verp]), decoder=DECODER
            ).action
        )
        session.commit()
        session.expire_all()
        expected = "paused" if len(actions) >= threshold else "sending"
        assert session.get(Campaign, cid).status == expected, f"after {len(actions)} rejections"
    assert actions.count("alert; campaign paused") == 1  # once paused, it stays paused
    assert "policy rejections" in (session.get(Campaign, cid).status_reason or "")
    assert len(session.exec(select(SenderAlert)).all()) == threshold + 1
    assert {session.get(Subscriber, s).status for s in subs} == {"confirmed"}  # A8: untouched
    assert session.exec(select(BounceScore)).all() == []


def test_policy_rejections_leave_a_finished_campaign_alone(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "policy_pause_threshold", 1)
    cid = _campaign(session, delivered=1, status="sent")
    (sub_id,) = session.exec(
        select(Delivery.subscriber_id).where(Delivery.campaign_id == cid)
    ).all()
    verp = f"bounces+c{cid}s{sub_id}@{BOUNCE_DOMAIN}"
    raw = dsn(session.get(Subscriber, sub_id).email, "5.7.1", "550 5.7.1 spf fail", verp)
    outcome = process_inbound(session, message_id=store(session, raw, to=[verp]), decoder=DECODER)
    session.commit()
    assert outcome.action == "alert"
    assert session.get(Campaign, cid).status == "sent"

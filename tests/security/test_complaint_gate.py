"""Finding 2: forged or repeated abuse reports must not block scheduling (SMTP, then HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.db import get_engine
from service.demo.seed import seed
from service.models import Campaign, ComplaintEvent, Delivery, Subscriber
from service.models._common import table_of, utcnow
from service.settings import get_settings
from tests.security.conftest import BOUNCE_DOMAIN, Inbound, count
from tests.security.test_forged_bounces import arf


@pytest.fixture
def newsroom(inbound: Inbound) -> Iterator[tuple[TestClient, int]]:
    """The full API app and the demo's draft campaign, ready to schedule."""
    with Session(get_engine()) as s:
        demo = seed(s, secret=get_settings().secret_bytes, subscribers=20)
        s.commit()
    with TestClient(create_app()) as client:
        yield client, demo.campaign_id


def _previous_campaign(delivered: int) -> list[tuple[int, str]]:
    """A campaign sent an hour ago to `delivered` people: [(subscriber_id, message_id)]."""
    at = utcnow() - timedelta(hours=1)
    with Session(get_engine()) as s:
        campaign = Campaign(name="p", subject_en="s", subject_de="s", status="sent", started_at=at)
        s.add(campaign)
        s.flush()
        people = [
            {"email": f"p{n}@uni{n % 7}.example", "email_hash": f"hp{n}", "status": "confirmed",
             "language": "en", "attributes": {}, "tracking_consent": False, "created_at": at}
            for n in range(delivered)
        ]  # fmt: skip
        ids = s.execute(
            sa.insert(table_of(Subscriber)).returning(table_of(Subscriber).c.id), people
        )
        rows = [
            {"campaign_id": campaign.id, "subscriber_id": i, "edition_key": "k", "status": "sent",
             "message_id": f"<p{campaign.id}.{i}@news.partnership.example.org>", "attempts": 1,
             "sent_at": at}
            for (i,) in ids
        ]  # fmt: skip
        s.execute(sa.insert(table_of(Delivery)), rows)
        s.commit()
        found = s.exec(select(Delivery.subscriber_id, Delivery.message_id)).all()
    return [(sid, str(mid)) for sid, mid in found]


def _report_about(inbound: Inbound, message_id: str, n: int) -> None:
    original = f"Message-ID: {message_id}\r\nTo: someone@uni.example\r\n"
    raw = arf(to=f"bounces@{BOUNCE_DOMAIN}", rcpt="someone@uni.example", original=original)
    raw = raw.replace(b"<arf1@", f"<arf{n}@".encode())  # a new report each time
    inbound.send(raw, mail_from="fbl@isp.example", rcpt=f"bounces@{BOUNCE_DOMAIN}")


def test_forged_and_repeated_reports_leave_scheduling_open(
    inbound: Inbound, newsroom: tuple[TestClient, int]
) -> None:
    client, draft = newsroom
    sent = _previous_campaign(500)
    for n, victim in enumerate(("p1@uni1.example", "p2@uni2.example")):  # no token, no our id
        raw = arf(to=f"bounces@{BOUNCE_DOMAIN}", rcpt=victim).replace(
            b"<arf1@", f"<forged{n}@".encode()
        )
        inbound.send(raw, mail_from="x@attacker.example", rcpt=f"bounces@{BOUNCE_DOMAIN}")
    for n in range(2):  # one real complaint, reported twice
        _report_about(inbound, sent[0][1], n)
    assert count(ComplaintEvent) == 1
    response = client.post(f"/api/campaigns/{draft}/schedule", json={})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "scheduled"


def test_a_blocked_gate_is_overridden_only_with_a_reason_and_audited(
    inbound: Inbound, newsroom: tuple[TestClient, int]
) -> None:
    client, draft = newsroom
    sent = _previous_campaign(500)
    for n in range(2):  # two real complaints: 0.4% of the delivered mail
        _report_about(inbound, sent[n][1], n)
    refused = client.post(f"/api/campaigns/{draft}/schedule", json={})
    short = client.post(f"/api/campaigns/{draft}/schedule", json={"override_complaint_gate": "ok"})
    assert "complaint rate" in refused.text and refused.status_code >= 400
    assert short.status_code >= 400 and "reason" in short.text
    with Session(get_engine()) as s:
        assert s.get(Campaign, draft).status == "draft"  # type: ignore[union-attr]
    reason = "complaints were two colleagues testing the report button"
    body = {"override_complaint_gate": reason}
    allowed = client.post(f"/api/campaigns/{draft}/schedule", json=body)
    assert allowed.status_code == 200, allowed.text
    from service.models import CampaignEvent

    with Session(get_engine()) as s:
        (event,) = s.exec(select(CampaignEvent)).all()
    assert (event.campaign_id, event.kind, event.actor) == (
        draft,
        "complaint-gate-override",
        "admin-api",
    )
    assert reason in event.detail and "0.40%" in event.detail

"""POST /inbound/raw through the whole FastAPI app: bearer token, store, then process.

The app's after_stored hook publishes `process_inbound_message`; here the hook records the id it
would publish and the test then runs the task's body in this process. A real worker processing
such messages is covered by tests/integration/test_inbound_e2e.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.addressing.tokens import codec
from service.api import app as app_module
from service.demo.capture import MailCapture
from service.demo.seed import seed
from service.models import Coordinator, InboundMessage, Inquiry, Subscriber
from service.settings import get_settings
from tests.db.inbound_fixtures import delivered, dsn
from workers.tasks.inbound import process_inbound_message

TOKEN = "webhook-shared-secret-0123456789"


@pytest.fixture
def client(session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator:
    seed(session, secret=get_settings().secret_bytes, subscribers=20)
    session.commit()
    monkeypatch.setattr(get_settings(), "inbound_webhook_token", TOKEN)
    office = session.exec(select(Coordinator).where(Coordinator.name == "Partnership Office")).one()
    monkeypatch.setattr(get_settings(), "triage_coordinator_id", office.id)
    published: list[int] = []
    monkeypatch.setattr(app_module, "process_inbound", published.append)
    with MailCapture(tmp_path / "maildir") as capture:
        monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{capture.port}")
        with TestClient(app_module.create_app()) as test_client:
            yield test_client, capture, published


def _post(http: TestClient, published: list[int], raw: bytes, **headers: str):
    """POST the raw message, then process what the hook published (as a worker would)."""
    response = http.post("/inbound/raw", content=raw, headers=headers)
    while published:
        process_inbound_message(published.pop(0))
    return response


def _first_confirmed(session: Session) -> Subscriber:
    return session.exec(select(Subscriber).where(Subscriber.status == "confirmed")).first()


def test_reply_posted_with_the_token_is_stored_then_handed_off(client, session: Session) -> None:
    http, capture, published = client
    person = _first_confirmed(session)
    to = f"reply+{codec().reply(1, person.id, 0)}@{get_settings().reply_domain}"
    raw = (
        f"From: {person.email}\r\nTo: {to}\r\nSubject: Re: News\r\n"
        "Message-ID: <web-1@munich.example.org>\r\n\r\nWho do I ask about the MoU?\r\n"
    ).encode()
    response = _post(http, published, raw, Authorization=f"Bearer {TOKEN}", **{"X-Envelope-To": to})
    assert response.status_code == 202
    session.expire_all()
    row = session.get(InboundMessage, response.json()["id"])
    assert row is not None and (row.channel, row.status, row.raw) == ("http", "processed", raw)
    inquiry = session.exec(select(Inquiry)).one()
    office = session.exec(select(Coordinator).where(Coordinator.name == "Partnership Office")).one()
    assert inquiry.state == "forwarded" and inquiry.text == "Who do I ask about the MoU?"
    assert capture.captured[0].rcpt_tos == [office.email]  # then the acknowledgement


def test_F1_bounce_posted_without_envelope_suppresses_by_its_verp_address(
    client, session: Session
) -> None:
    http, _, published = client
    person = _first_confirmed(session)
    delivered(session, person, campaign_id=99)
    verp = f"bounces+{codec().verp(99, person.id)}@{get_settings().bounce_domain}"
    raw = dsn(person.email, "5.1.1", "550 5.1.1 user unknown", verp)
    response = _post(http, published, raw, Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 202
    session.expire_all()
    assert session.get(Subscriber, person.id).status == "blocklisted"


def test_wrong_or_missing_token_is_401_and_stores_nothing(client, session: Session) -> None:
    http, capture, published = client
    raw = b"From: a@b.example\r\nTo: reply+x@reply.example\r\nSubject: hi\r\n\r\nhello\r\n"
    wrong = http.post("/inbound/raw", content=raw, headers={"Authorization": "Bearer guess"})
    missing = http.post("/inbound/raw", content=raw)
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert session.exec(select(InboundMessage)).all() == []
    assert capture.captured == [] and published == []

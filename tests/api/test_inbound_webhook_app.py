"""POST /inbound/raw through the whole FastAPI app: bearer token, store, then process.

The app's after_stored hook is `process_inbound_message.delay`; Celery runs it eagerly here
(task_always_eager), so the real task stores nothing twice and processes in this process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.demo.capture import MailCapture
from service.demo.seed import seed
from service.mail.tokens import codec
from service.models import Coordinator, InboundMessage, Inquiry, Subscriber
from service.settings import get_settings
from tests.db.inbound_fixtures import dsn
from workers.celery_app import celery_app

TOKEN = "webhook-shared-secret-0123456789"


@pytest.fixture
def client(session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator:
    seed(session, secret=get_settings().secret_bytes, subscribers=20)
    session.commit()
    monkeypatch.setattr(get_settings(), "inbound_webhook_token", TOKEN)
    office = session.exec(select(Coordinator).where(Coordinator.name == "Partnership Office")).one()
    monkeypatch.setattr(get_settings(), "triage_coordinator_id", office.id)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)
    with MailCapture(tmp_path / "maildir") as capture:
        monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{capture.port}")
        with TestClient(create_app()) as test_client:
            yield test_client, capture


def _first_confirmed(session: Session) -> Subscriber:
    return session.exec(select(Subscriber).where(Subscriber.status == "confirmed")).first()


def test_reply_posted_with_the_token_is_stored_then_handed_off(client, session: Session) -> None:
    http, capture = client
    person = _first_confirmed(session)
    to = f"reply+{codec().reply(1, person.id, 0)}@{get_settings().reply_domain}"
    raw = (
        f"From: {person.email}\r\nTo: {to}\r\nSubject: Re: News\r\n"
        "Message-ID: <web-1@munich.example.org>\r\n\r\nWho do I ask about the MoU?\r\n"
    ).encode()
    response = http.post(
        "/inbound/raw",
        content=raw,
        headers={"Authorization": f"Bearer {TOKEN}", "X-Envelope-To": to},
    )
    assert response.status_code == 202
    session.expire_all()
    row = session.get(InboundMessage, response.json()["id"])
    assert row is not None and (row.channel, row.status, row.raw) == ("http", "processed", raw)
    inquiry = session.exec(select(Inquiry)).one()
    office = session.get(Coordinator, inquiry.coordinator_id)
    assert inquiry.state == "forwarded" and inquiry.text == "Who do I ask about the MoU?"
    assert [m.rcpt_tos for m in capture.captured] == [[office.email]]


def test_bounce_posted_without_envelope_suppresses_by_its_verp_address(
    client, session: Session
) -> None:
    http, _ = client
    person = _first_confirmed(session)
    verp = f"bounces+{codec().verp(1, person.id)}@{get_settings().bounce_domain}"
    raw = dsn(person.email, "5.1.1", "550 5.1.1 user unknown", verp)
    response = http.post("/inbound/raw", content=raw, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 202
    session.expire_all()
    assert session.get(Subscriber, person.id).status == "blocklisted"


def test_wrong_or_missing_token_is_401_and_stores_nothing(client, session: Session) -> None:
    http, capture = client
    raw = b"From: a@b.example\r\nTo: reply+x@reply.example\r\nSubject: hi\r\n\r\nhello\r\n"
    wrong = http.post("/inbound/raw", content=raw, headers={"Authorization": "Bearer guess"})
    missing = http.post("/inbound/raw", content=raw)
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert session.exec(select(InboundMessage)).all() == []
    assert capture.captured == []

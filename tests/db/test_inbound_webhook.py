"""POST /inbound/raw stores the body before answering, behind a bearer token."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.models import InboundMessage
from service.settings import get_settings

RAW = b"From: ada@uni.example\r\nTo: reply+t@reply.example\r\nSubject: Frage\r\n\r\nWann?\r\n"


def _client(enqueued: list[int]):
    from service.inbound.intake.webhook import make_inbound_router

    app = FastAPI()
    app.include_router(make_inbound_router(after_stored=enqueued.append))
    return TestClient(app)


def test_webhook_stores_and_enqueues(session: Session, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "inbound_webhook_token", "s3cret-token")
    enqueued: list[int] = []
    response = _client(enqueued).post(
        "/inbound/raw",
        content=RAW,
        headers={
            "Authorization": "Bearer s3cret-token",
            "X-Envelope-To": "reply+t@reply.example",
            "Content-Type": "message/rfc822",
        },
    )
    assert response.status_code == 202
    row = session.exec(select(InboundMessage)).one()
    assert (row.id, row.channel, row.raw, row.envelope_to) == (
        response.json()["id"],
        "http",
        RAW,
        ["reply+t@reply.example"],
    )
    assert enqueued == [row.id]


def test_webhook_rejects_bad_token_and_empty_body(session: Session, monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "inbound_webhook_token", "s3cret-token")
    client = _client([])
    assert (
        client.post(
            "/inbound/raw", content=RAW, headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    empty = client.post(
        "/inbound/raw", content=b"", headers={"Authorization": "Bearer s3cret-token"}
    )
    assert empty.status_code == 400
    assert session.exec(select(InboundMessage)).all() == []


def test_webhook_disabled_without_token(session: Session) -> None:
    assert _client([]).post("/inbound/raw", content=RAW).status_code == 404

"""Inquiries are listed per coordinator and state (API and CLI) and closed via the state table."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.api.app import create_app
from service.cli import app as cli_app
from service.inbound.acting.processing import process_inbound
from service.models import Inquiry
from tests.db.inbound_fixtures import REPLY_DOMAIN, TestTokenDecoder, reply, store, world


def _inquiry(session: Session) -> tuple[int, int]:
    sub, _stays, _, ann = world(session)
    to = f"reply+c1s{sub.id}a{ann.id}@{REPLY_DOMAIN}"
    raw = reply("Wie bewerbe ich mich?\n\n-- \nAda", to=to)
    outcome = process_inbound(
        session, message_id=store(session, raw, to=[to]), decoder=TestTokenDecoder()
    )
    session.commit()
    inquiry = session.get(Inquiry, outcome.inquiry_id)
    assert inquiry is not None and inquiry.coordinator_id is not None
    return inquiry.id, inquiry.coordinator_id  # type: ignore[return-value]


def test_api_lists_per_coordinator_and_closes(session: Session) -> None:
    inquiry_id, coordinator_id = _inquiry(session)
    client = TestClient(create_app())
    mine = client.get(f"/api/coordinators/{coordinator_id}/inquiries").json()
    assert [(x["id"], x["state"], x["text"]) for x in mine] == [
        (inquiry_id, "forwarded", "Wie bewerbe ich mich?")
    ]
    assert client.get(f"/api/coordinators/{coordinator_id + 99}/inquiries").json() == []
    assert client.get("/api/inquiries", params={"state": "answered"}).json() == []
    assert client.get("/api/inquiries", params={"state": "bogus"}).status_code == 422
    assert client.post(f"/api/inquiries/{inquiry_id}/close").json()["state"] == "closed"
    again = client.post(f"/api/inquiries/{inquiry_id}/close")
    assert again.status_code == 409 and "cannot close" in again.json()["detail"]
    assert client.post("/api/inquiries/999999/close").status_code == 404


def test_cli_table_and_close(session: Session) -> None:
    inquiry_id, coordinator_id = _inquiry(session)
    runner = CliRunner(env={"COLUMNS": "200"})  # a wide terminal: rich wraps cells otherwise
    listed = runner.invoke(cli_app, ["inbound", "inquiries", "--coordinator", str(coordinator_id)])
    assert listed.exit_code == 0, listed.output
    assert "forwarded" in listed.output and "Wie bewerbe ich" in listed.output
    closed = runner.invoke(cli_app, ["inbound", "close", str(inquiry_id)])
    assert closed.exit_code == 0 and "closed" in closed.output
    session.expire_all()
    assert session.exec(select(Inquiry)).one().state == "closed"
    bad = runner.invoke(cli_app, ["inbound", "inquiries", "--state", "bogus"])
    assert bad.exit_code == 1 and "unknown inquiry state" in bad.output

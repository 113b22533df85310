"""Test sends go through the real composer to an SMTP server on loopback, marked [TEST]."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.demo.capture import MailCapture
from service.demo.seed import seed
from service.domain.addresses import email_hash
from service.models import Delivery, Suppression, SuppressionReason
from service.settings import get_settings, reset_settings

# The composer lives on branch `mail` until it is merged; without it this file cannot run.
pytest.importorskip("service.mail.compose", reason="service.mail.compose not merged yet")

STAYS_DE = "Forschungsaufenthalte an der Medical School in Chicago: jetzt bewerben"


@pytest.fixture
def world(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, int, MailCapture]]:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=20)
    session.commit()
    with MailCapture(tmp_path / "maildir") as capture:
        monkeypatch.setenv("NEWSDESK_SMTP_URL", f"smtp://127.0.0.1:{capture.port}")
        reset_settings()
        with TestClient(create_app()) as client:
            yield client, summary.campaign_id, capture


def test_test_send_reaches_each_address_marked_test(
    world: tuple[TestClient, int, MailCapture], session: Session
) -> None:
    client, campaign_id, capture = world
    addresses = ["Comms.Lead@Partnership.example.org", "second@partnership.example.org"]
    response = client.post(
        f"/api/campaigns/{campaign_id}/test-send",
        json={"addresses": addresses, "segment": "early-career", "lang": "de"},
    )
    assert response.status_code == 200, response.text
    assert [r["accepted"] for r in response.json()] == [True, True]
    assert len(capture.captured) == 2
    expected = {"comms.lead@partnership.example.org", "second@partnership.example.org"}
    assert {tuple(m.rcpt_tos) for m in capture.captured} == {(a,) for a in expected}
    for mail in capture.captured:
        message = email.message_from_bytes(mail.data, policy=email.policy.default)
        # .strip(): a subject folded right after "Subject:" parses with its leading space
        assert message["Subject"].strip().startswith("[TEST] Neues aus der Partnerschaft")
        assert message["To"] == mail.rcpt_tos[0]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert STAYS_DE in html and STAYS_DE in text
        assert "NDPH" not in html and "NDPH" not in text
    # a test send is not a delivery: the campaign's truth table stays empty
    assert session.exec(select(Delivery)).first() is None


def test_suppressed_addresses_never_get_a_test_send(
    world: tuple[TestClient, int, MailCapture], session: Session
) -> None:
    client, campaign_id, capture = world
    blocked = "blocked@partnership.example.org"
    session.add(
        Suppression(
            email_hash=email_hash(blocked, get_settings().secret_bytes),
            reason=SuppressionReason.COMPLAINT,
        )
    )
    session.commit()
    response = client.post(
        f"/api/campaigns/{campaign_id}/test-send",
        json={"addresses": ["ok@partnership.example.org", blocked], "lang": "en"},
    )
    assert response.status_code == 422
    assert blocked in response.json()["detail"]
    assert capture.captured == []


def test_cli_test_send(world: tuple[TestClient, int, MailCapture]) -> None:
    from typer.testing import CliRunner

    from service.cli.edition import editions_app

    _client, campaign_id, capture = world
    result = CliRunner().invoke(
        editions_app, ["test-send", str(campaign_id), "one@partnership.example.org", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "accepted" in result.output
    assert len(capture.captured) == 1
    message = email.message_from_bytes(capture.captured[0].data, policy=email.policy.default)
    assert (
        message["Subject"].strip()
        == "[TEST] Partnership news: the memorandum, research stays, seed funding and 2 more"
    )

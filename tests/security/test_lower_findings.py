"""Finding 14, the lower ones, each through its interface (CLI, HTTP to the app, SMTP)."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.api.app import create_app
from service.db import get_engine
from service.models import ConsentEvent, InboundMessage, Subscriber
from service.settings import get_settings, reset_settings
from tests.security.conftest import REPLY_DOMAIN, Inbound, count


@pytest.fixture
def http(pg: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("NEWSDESK_SIGNUP_MAIL_QUEUE", "true")  # the mail waits in the broker
    reset_settings()
    with TestClient(create_app()) as client:
        yield client


def test_import_error_report_cells_are_not_formulas(pg: str, tmp_path: Path) -> None:
    from service.cli.audience import audience_app

    source = tmp_path / "people.csv"
    source.write_text('email\n=HYPERLINK("http://evil.example")\n@SUM(1+1)\n', encoding="utf-8")
    report = tmp_path / "errors.csv"
    result = CliRunner().invoke(audience_app, ["import", str(source), "--report", str(report)])
    assert result.exit_code == 1, result.output  # every row refused: the CLI says so (exit 1)
    cells = [line.split(",", 2)[1] for line in report.read_text().splitlines()[1:]]
    assert cells and all(c.lstrip('"').startswith("'") for c in cells), cells


def test_public_pages_cannot_be_framed_or_sniffed(http: TestClient) -> None:
    page = http.get("/subscribe")
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_consent_source_is_ours_not_the_host_header(http: TestClient) -> None:
    form = {"email": "ada@uni.example", "language": "en", "lists": "newsletter", "consent": "yes"}
    http.post("/subscribe", data=form, headers={"Host": "evil.example"})
    with Session(get_engine()) as s:
        (source,) = s.exec(select(ConsentEvent.source)).all()
    assert source.startswith(get_settings().public_url) and "evil" not in source


def test_huge_archive_id_and_negative_limit(http: TestClient) -> None:
    assert http.get("/archive/en/99999999999999999999").status_code == 404
    assert http.get("/api/subscribers?limit=-1").status_code == 422
    assert http.get("/api/inquiries?limit=-1").status_code == 422


def test_docs_are_not_public_in_production(pg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with TestClient(create_app()) as client:  # development: the docs are there
        assert client.get("/docs").status_code == 200
    from tests.conftest import TEST_SECRET

    dkim = Path.cwd() / "dkim.pem"
    dkim.write_text("test key file")
    monkeypatch.setenv("NEWSDESK_ENV", "production")
    monkeypatch.setenv("NEWSDESK_ALLOW_UNPATCHED_PYTHON", "1")  # pyenv 3.11.7 here (issue 14)
    monkeypatch.setenv("NEWSDESK_PUBLIC_URL", "https://news.example.org")
    monkeypatch.setenv("NEWSDESK_DKIM_PRIVATE_KEY_PATH", str(dkim))
    monkeypatch.setenv("NEWSDESK_SECRET_KEY", TEST_SECRET)
    monkeypatch.setenv("NEWSDESK_ADMIN_TOKEN", "a-real-admin-token-0123456789")
    reset_settings()
    with TestClient(create_app()) as client:
        assert [client.get(p).status_code for p in ("/docs", "/openapi.json")] == [404, 404]


def test_signup_keeps_a_former_subscribers_name_and_history(http: TestClient) -> None:
    from service.audience import ledger
    from service.audience.subscribe import purge_unconfirmed
    from service.models import ConsentEventKind
    from service.models._common import utcnow

    long_ago = utcnow() - timedelta(days=400)
    with Session(get_engine(), expire_on_commit=False) as s:
        ada = Subscriber(email="ada@uni.example", email_hash="h", name="Ada", language="de",
                         status="unsubscribed", created_at=long_ago)  # fmt: skip
        s.add(ada)
        s.flush()
        assert ada.id is not None
        for kind in (ConsentEventKind.SIGNUP, ConsentEventKind.CONFIRM):
            ledger.record(s, subscriber_id=ada.id, event=kind, source="form", occurred_at=long_ago)
        s.commit()
    history = count(ConsentEvent)
    form = {"email": "ada@uni.example", "name": "Mallory", "language": "en",
            "lists": "newsletter", "consent": "yes"}  # fmt: skip
    assert http.post("/subscribe", data=form).status_code == 200
    with Session(get_engine()) as s:
        row = s.get(Subscriber, ada.id)
        assert row is not None and (row.name, row.language) == ("Ada", "de")
        assert purge_unconfirmed(s, now=utcnow() + timedelta(days=60)) == 0
        s.commit()
    assert count(ConsentEvent) == history + 1  # the stranger's signup added; nothing erased


@pytest.fixture
def untrusted_loopback(pg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback counts as any client here (by default it is exempt, like our own MTA)."""
    monkeypatch.setenv("NEWSDESK_INBOUND_TRUSTED_CLIENTS", "[]")
    monkeypatch.setenv("NEWSDESK_INBOUND_MAX_CONNECTIONS_PER_CLIENT", "3")
    monkeypatch.setenv("NEWSDESK_INBOUND_MESSAGES_PER_CLIENT_PER_MINUTE", "5")
    reset_settings()


def test_receiver_limits_recipients_connections_and_rate(
    untrusted_loopback: None, inbound: Inbound
) -> None:
    to = [f"reply+x{n}@{REPLY_DOMAIN}" for n in range(25)]
    with smtplib.SMTP("127.0.0.1", inbound.port) as client:
        client.ehlo()
        client.mail("x@attacker.example")
        codes = [client.rcpt(a)[0] for a in to]
    assert codes.count(250) == get_settings().inbound_max_recipients and codes[-1] == 452
    held = [smtplib.SMTP("127.0.0.1", inbound.port) for _ in range(3)]
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        smtplib.SMTP("127.0.0.1", inbound.port)
    assert refused.value.smtp_code == 421
    for client in held:
        client.quit()
    raw = b"From: x@attacker.example\r\nSubject: hi\r\n\r\nhello\r\n"
    answers = []
    with smtplib.SMTP("127.0.0.1", inbound.port) as client:
        for _ in range(7):
            try:
                client.sendmail("x@attacker.example", [to[0]], raw)
                answers.append(250)
            except smtplib.SMTPDataError as exc:
                answers.append(exc.smtp_code)
    assert answers == [250] * 5 + [451, 451]
    assert count(InboundMessage) == 5

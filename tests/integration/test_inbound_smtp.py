"""The SMTP receiver on loopback with a real aiosmtpd Controller and smtplib."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from service.db import get_engine
from service.inbound.intake.smtp_receiver import InboundHandler, make_controller
from service.models import InboundMessage
from service.settings import get_settings
from tests.support.ports import free_port as _free_port

REPLY = "reply.news.partnership.example.org"


@pytest.fixture
def receiver(db_url: str, monkeypatch) -> Iterator[tuple[int, list[int]]]:
    monkeypatch.setattr(get_settings(), "inbound_max_bytes", 20_000)
    enqueued: list[int] = []
    port = _free_port()
    controller = make_controller(
        handler=InboundHandler(after_stored=enqueued.append), hostname="127.0.0.1", port=port
    )
    controller.start()
    try:
        yield port, enqueued
    finally:
        controller.stop()


def _msg(body: str = "Wie bewerbe ich mich?") -> bytes:
    return (
        f"From: ada@uni.example\r\nTo: reply+tok@{REPLY}\r\nSubject: Re: News\r\n\r\n{body}\r\n"
    ).encode()


def test_accepts_and_stores_before_250(receiver) -> None:
    port, enqueued = receiver
    with smtplib.SMTP("127.0.0.1", port) as client:
        refused = client.sendmail("ada@uni.example", [f"reply+tok@{REPLY}"], _msg())
    assert refused == {}
    with Session(get_engine()) as session:
        (row,) = session.exec(select(InboundMessage)).all()
    assert enqueued == [row.id]
    assert (row.status, row.envelope_from, row.envelope_to) == (
        "received",
        "ada@uni.example",
        [f"reply+tok@{REPLY}"],
    )
    assert b"Wie bewerbe ich mich?" in row.raw


def test_lines_longer_than_rfc_5321_are_accepted_not_refused(receiver) -> None:
    port, enqueued = receiver
    long_line = "<p>" + "Bitte um Rückruf " * 600 + "</p>"  # one-line HTML, ~10 KB
    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail("ada@uni.example", [f"reply+tok@{REPLY}"], _msg(long_line)) == {}
    with Session(get_engine()) as session:
        (row,) = session.exec(select(InboundMessage)).all()
    assert long_line.encode() in row.raw and enqueued == [row.id]


def test_foreign_domain_gets_550(receiver) -> None:
    port, enqueued = receiver
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        client.mail("ada@uni.example")
        code, text = client.rcpt("someone@elsewhere.example")
    assert code == 550 and b"only accepts mail for" in text
    assert enqueued == []


def test_oversized_message_gets_552(receiver) -> None:
    port, enqueued = receiver
    with smtplib.SMTP("127.0.0.1", port) as client, pytest.raises(smtplib.SMTPException) as info:
        client.sendmail("ada@uni.example", [f"reply+tok@{REPLY}"], _msg("x" * 30_000))
    assert "552" in str(info.value)
    with Session(get_engine()) as session:
        assert session.exec(select(InboundMessage)).all() == []
    assert enqueued == []


def test_storage_failure_answers_451_so_the_mta_retries(db_url: str) -> None:
    def broken_store(**_: object) -> int:
        raise OSError("disk full")

    port = _free_port()
    controller = make_controller(
        handler=InboundHandler(store=broken_store), hostname="127.0.0.1", port=port
    )
    controller.start()
    try:
        with (
            smtplib.SMTP("127.0.0.1", port) as client,
            pytest.raises(smtplib.SMTPDataError) as info,
        ):
            client.sendmail("ada@uni.example", [f"reply+tok@{REPLY}"], _msg())
        assert info.value.smtp_code == 451
    finally:
        controller.stop()

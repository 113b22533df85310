"""Over the real SMTP receiver: a null-sender mail that reads like a question reaches nobody."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from service.db import get_engine
from service.inbound.acting.processing import process_inbound
from service.inbound.intake.smtp_receiver import InboundHandler, make_controller
from service.models import InboundMessage, Inquiry
from tests.db.inbound_fixtures import REPLY_DOMAIN, TestTokenDecoder, world
from tests.integration.smtp_servers import free_port


@pytest.fixture
def receiver(db_url: str) -> Iterator[tuple[int, list[int]]]:
    stored: list[int] = []
    port = free_port()
    controller = make_controller(
        handler=InboundHandler(after_stored=stored.append), hostname="127.0.0.1", port=port
    )
    controller.start()
    try:
        yield port, stored
    finally:
        controller.stop()


def _question(to: str) -> bytes:
    return (
        f"From: Mail Robot <robot@carrier.example>\r\nTo: {to}\r\nSubject: Re: Newsletter\r\n"
        "Message-ID: <robot-1@carrier.example>\r\n\r\n"
        "How do I apply for the research stay? Please tell me whom to ask.\r\n"
    ).encode()


@pytest.mark.parametrize("sender", ["", "ada@uni.example"])
def test_the_null_sender_is_quarantined_never_handed_to_a_coordinator(
    receiver: tuple[int, list[int]], session: Session, sender: str
) -> None:
    port, stored = receiver
    sub, stays, _triage, ann = world(session)
    to = f"reply+c1s{sub.id}a{ann.id}@{REPLY_DOMAIN}"
    with smtplib.SMTP("127.0.0.1", port) as client:
        assert client.sendmail(sender, [to], _question(to)) == {}  # "" is MAIL FROM:<>
    (message_id,) = stored
    outcome = process_inbound(session, message_id=message_id, decoder=TestTokenDecoder())
    session.commit()
    with Session(get_engine()) as check:
        row = check.get(InboundMessage, message_id)
        inquiries = check.exec(select(Inquiry)).all()
    assert row is not None
    if sender:  # the same words from a person's address: routed to the coordinator
        assert outcome.kind == "inquiry" and len(inquiries) == 1
        assert inquiries[0].coordinator_id == stays.id
        return
    assert outcome.action == "quarantined" and outcome.outgoing == [] and inquiries == []
    assert row.status == "quarantined" and "null envelope sender" in (row.quarantine_reason or "")

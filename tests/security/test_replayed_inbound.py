"""Finding 11: the same inbound message processed twice, or delivered twice, acts once."""

from __future__ import annotations

from email.message import EmailMessage

from sqlmodel import Session, select

from service.db import get_engine
from service.models import InboundMessage, Inquiry
from tests.security.conftest import (
    Inbound,
    _process,
    coordinated_campaign,
    count,
    reply_address,
    subscriber,
)


def _question(to: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ada <ada@uni.example>"
    msg["To"] = to
    msg["Subject"] = "Re: March news"
    msg["Message-ID"] = "<question-1@uni.example>"
    msg.set_content("Is there still a place for a research stay in May?")
    return msg.as_bytes()


def test_replayed_task_and_redelivered_copy_make_one_inquiry_and_one_handoff(
    inbound: Inbound,
) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        ada = subscriber(s, "ada@uni.example")
        campaign, ann, _ = coordinated_campaign(s, [ada], coordinator_email="stays@partner.example")
    to = reply_address(campaign.id, ada.id, ann)  # type: ignore[arg-type]
    inbound.send(_question(to), mail_from=ada.email, rcpt=to)
    assert count(Inquiry) == 1 and len(inbound.capture.captured) == 1
    with Session(get_engine()) as s:
        (stored,) = s.exec(select(InboundMessage.id)).all()
    _process(stored)  # the task again: a worker died after the commit, the broker redelivered
    inbound.send(_question(to), mail_from=ada.email, rcpt=to)  # the MTA delivered a copy
    assert count(Inquiry) == 1
    assert [m.rcpt_tos for m in inbound.capture.captured] == [["stays@partner.example"]]
    assert count(InboundMessage, InboundMessage.status == "duplicate") == 1

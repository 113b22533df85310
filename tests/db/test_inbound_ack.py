"""Acknowledgements (STANDARDS C3): only the human message gets one, once per 7 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import Session

from service.inbox.acknowledge import maybe_acknowledge

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _msg(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "ada@uni.example")
    msg["Subject"] = "Frage"
    msg["Message-ID"] = "<m1@uni.example>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Hallo")
    return msg


@pytest.mark.parametrize(
    ("headers", "envelope"),
    [
        ({"Auto_Submitted": "AUTO-REPLIED; x=1"}, "ada@uni.example"),
        ({"List_ID": "<ecr.lists.example>"}, "ada@uni.example"),
        ({"Precedence": "bulk"}, "ada@uni.example"),
        ({}, ""),
        ({"From": "news@news.partnership.example.org"}, "news@news.partnership.example.org"),
    ],
)
def test_no_ack_for_automatic_or_own_mail(session: Session, headers: dict, envelope: str) -> None:
    assert maybe_acknowledge(session, msg=_msg(**headers), envelope_from=envelope, now=T0) is None


def test_one_ack_per_sender_per_week(session: Session) -> None:
    ack = maybe_acknowledge(
        session, msg=_msg(), envelope_from="ada@uni.example", language="de", now=T0
    )
    session.commit()
    assert ack is not None
    assert (ack["Auto-Submitted"], ack["To"], ack["In-Reply-To"]) == (
        "auto-replied",
        "ada@uni.example",
        "<m1@uni.example>",
    )
    assert (
        maybe_acknowledge(
            session, msg=_msg(), envelope_from="ada@uni.example", now=T0 + timedelta(days=6)
        )
        is None
    )
    later = maybe_acknowledge(
        session, msg=_msg(), envelope_from="ada@uni.example", now=T0 + timedelta(days=7, hours=1)
    )
    assert later is not None

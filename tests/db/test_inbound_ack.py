"""Acknowledgements (STANDARDS C3): only the human message gets one, once per 7 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import Session

from service.inbox.acknowledge import maybe_acknowledge

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _our_mta(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mail arrives through our MTA, which writes Authentication-Results as mx.test."""
    from service.settings import get_settings

    monkeypatch.setattr(get_settings(), "trusted_authserv_ids", ["mx.test"])


def _ack(session: Session, msg: EmailMessage, envelope: str, **kw: object) -> EmailMessage | None:
    """maybe_acknowledge for Ada, the subscriber the reply token named."""
    return maybe_acknowledge(
        session, msg=msg, envelope_from=envelope, subscriber_email="ada@uni.example",
        raw=msg.as_bytes(), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _msg(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Authentication-Results"] = "mx.test; dmarc=pass header.from=uni.example"
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
    assert _ack(session, _msg(**headers), envelope, now=T0) is None


def test_one_ack_per_sender_per_week(session: Session) -> None:
    ack = _ack(session, _msg(), "ada@uni.example", language="de", now=T0)
    session.commit()
    assert ack is not None
    assert (ack["Auto-Submitted"], ack["To"], ack["In-Reply-To"]) == (
        "auto-replied",
        "ada@uni.example",
        "<m1@uni.example>",
    )
    assert _ack(session, _msg(), "ada@uni.example", now=T0 + timedelta(days=6)) is None
    later = _ack(session, _msg(), "ada@uni.example", now=T0 + timedelta(days=7, hours=1))
    assert later is not None


def test_no_ack_for_a_stranger_or_unauthenticated_mail(session: Session) -> None:
    stranger = _msg(From="victim@elsewhere.example")
    assert _ack(session, stranger, "victim@elsewhere.example", now=T0) is None
    unsigned = _msg()
    del unsigned["Authentication-Results"]
    assert _ack(session, unsigned, "ada@uni.example", now=T0) is None
    forged = _msg()
    forged.replace_header(
        "Authentication-Results", "mx.attacker; dmarc=pass header.from=uni.example"
    )
    assert _ack(session, forged, "ada@uni.example", now=T0) is None

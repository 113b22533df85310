"""Hostile bytes in inbound mail never stop processing: NUL characters reach no database column."""

from __future__ import annotations

from sqlmodel import Session, select

from service.inbound.acting.processing import process_inbound, quarantine_after_error
from service.models import InboundMessage, Inquiry
from tests.db.inbound_fixtures import REPLY_DOMAIN, TestTokenDecoder, store, world


def test_nul_characters_in_subject_and_text_are_dropped_before_storing(session: Session) -> None:
    sub, stays, _, ann = world(session)
    to = f"reply+c1s{sub.id}a{ann.id}@{REPLY_DOMAIN}"
    raw = (
        f"From: ada@uni.example\r\nTo: {to}\r\nSubject: Frage\x00\x00 zum Aufenthalt\r\n"
        "Message-ID: <nul@uni.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Gibt es\x00 noch Pl\xc3\xa4tze?\r\n"
    ).encode("latin-1")
    message_id = store(session, raw, to=[to])
    outcome = process_inbound(session, message_id=message_id, decoder=TestTokenDecoder())
    session.commit()  # PostgreSQL refuses NUL in text and JSONB: this commit is the check
    row = session.get(InboundMessage, message_id)
    inquiry = session.exec(select(Inquiry)).one()
    assert outcome.action == "forwarded" and row is not None and row.status == "processed"
    assert inquiry.subject == "Frage zum Aufenthalt" and inquiry.coordinator_id == stays.id
    assert "\x00" not in str(row.verdict) and row.raw == raw


def test_quarantine_after_error_keeps_the_bytes_and_says_why(session: Session) -> None:
    message_id = store(session, b"Subject: x\r\n\r\nbody\r\n", to=[f"reply+x@{REPLY_DOMAIN}"])
    quarantine_after_error(session, message_id=message_id, error=ValueError("broken charset"))
    session.commit()
    row = session.get(InboundMessage, message_id)
    assert row is not None and row.status == "quarantined"
    assert row.quarantine_reason == "processing error: ValueError: broken charset"
    assert row.raw == b"Subject: x\r\n\r\nbody\r\n"


def test_handoff_of_an_original_with_overlong_lines_stays_within_smtp_limits(
    session: Session,
) -> None:
    from service.inbox.handoff import build_handoff

    sub, stays, _, ann = world(session)
    inquiry = Inquiry(id=7, text="Frage", subject="Re: News")
    one_line_html = "<p>" + "Bitte um Rückruf. " * 200 + "</p>"
    raw = (
        "From: ada@uni.example\r\nSubject: Re: News\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/html; charset=utf-8\r\n\r\n{one_line_html}\r\n"
    ).encode()
    mail = build_handoff(
        inquiry=inquiry, coordinator=stays, subscriber=sub, announcement=ann, raw=raw
    )
    wire = mail.as_bytes()
    assert max(len(line) for line in wire.splitlines()) <= 998
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == "original.eml" and attached.get_content() == raw

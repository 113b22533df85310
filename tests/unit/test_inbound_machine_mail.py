"""The hard rule (a machine's mail is never an inquiry) and which failed address is preferred."""

from __future__ import annotations

import pytest

from service.inbound.reading.classify import classify_message

QUESTION = "Hello, how do I apply for the research stay in Chicago? Who is the contact?"
REPLY_TO = "reply+c1s2a3@reply.news.partnership.example.org"


def _mail(headers: str, body: str = QUESTION) -> bytes:
    return (
        f"{headers}To: {REPLY_TO}\r\nSubject: Re: Newsletter\r\nMessage-ID: <m@x>\r\n\r\n{body}\r\n"
    ).encode()


def test_control_a_person_asking_is_an_inquiry() -> None:
    assert classify_message(_mail("From: Ada <ada@uni.example>\r\n")).kind == "inquiry"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("From: Ada <ada@uni.example>\r\nReturn-Path: <>\r\n", "null Return-Path"),
        ("From: MAILER-DAEMON@mx.uni.example\r\n", "mailer-daemon"),
        ("From: Postmaster <postmaster@uni.example>\r\n", "postmaster"),
        ("From: neko-admin@example.org\r\nX-MLServer: fml\r\n", "list software"),
        ("From: owner-news@lists.example.org\r\n", "list software"),
    ],
)
def test_machine_signatures_never_make_an_inquiry(headers: str, reason: str) -> None:
    verdict = classify_message(_mail(headers))
    assert verdict.kind != "inquiry" and verdict.is_automatic
    assert verdict.quarantined and reason.lower() in (verdict.reason or "").lower()


def test_auto_submitted_mail_is_an_autoreply_never_an_inquiry() -> None:
    verdict = classify_message(_mail("From: ada@uni.example\r\nAuto-Submitted: auto-generated\r\n"))
    assert verdict.kind == "autoreply" and verdict.is_automatic


def test_x_failed_recipients_make_a_bounce_for_that_address() -> None:
    verdict = classify_message(
        _mail("From: a@b.example\r\nX-Failed-Recipients: ada@uni.example\r\n")
    )
    assert verdict.kind == "bounce" and verdict.addresses == ["ada@uni.example"]


def test_the_null_envelope_sender_counts_even_without_headers_saying_so() -> None:
    raw = _mail("From: Ada <ada@uni.example>\r\n")
    assert classify_message(raw, envelope_from="ada@uni.example").kind == "inquiry"
    verdict = classify_message(raw, envelope_from="")
    assert verdict.quarantined and verdict.reason and "null envelope sender" in verdict.reason


def test_multipart_report_that_cannot_be_read_goes_to_quarantine() -> None:
    raw = (
        "From: notifier@mx.example\r\nTo: " + REPLY_TO + "\r\nSubject: Status\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=x-custom; boundary=B\r\n"
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\n" + QUESTION + "\r\n--B--\r\n"
    ).encode()
    verdict = classify_message(raw)
    assert verdict.kind == "unknown" and verdict.quarantined
    assert "multipart/report" in (verdict.reason or "")


def test_machine_mail_that_reads_as_a_bounce_is_a_bounce() -> None:
    raw = _mail(
        "From: no-reply@carrier.example\r\nReturn-Path: <>\r\n",
        "Your mail could not be delivered to: <kijitora@carrier.example> as their mailbox is full.",
    )
    verdict = classify_message(raw)
    assert verdict.kind == "bounce" and verdict.addresses == ["kijitora@carrier.example"]
    assert verdict.bounce_type == "soft"


def _dsn(blocks: str, *, returned_to: str = "ada@uni.example", extra: str = "") -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example\r\nTo: bounces+c1s2@bounces.example\r\n"
        + extra
        + "Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        "\r\n" + blocks + "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: news@news.example\r\nTo: {returned_to}\r\n\r\n--B--\r\n"
    ).encode()


def test_original_recipient_beats_the_reporting_systems_final_recipient() -> None:
    raw = _dsn(
        "Final-Recipient: rfc822; ada.lovelace@mailhost.internal.example\r\n"
        "Original-Recipient: rfc822; ada@uni.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    )
    assert classify_message(raw).addresses == ["ada@uni.example"]


def test_x_failed_recipients_then_returned_to_beat_final_recipient() -> None:
    block = "Final-Recipient: rfc822; r@p351355.pool.example\r\nAction: failed\r\nStatus: 5.0.0\r\n"
    failed = _dsn(block, extra="X-Failed-Recipients: grace@uni.example\r\n")
    assert classify_message(failed).addresses == ["grace@uni.example"]
    assert classify_message(_dsn(block)).addresses == ["ada@uni.example"]


def test_final_recipient_stays_when_the_returned_to_is_the_senders_own() -> None:
    block = "Final-Recipient: rfc822; ada@uni.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    raw = _dsn(block, returned_to="news@news.example")  # sent to itself, recipients in Bcc
    assert classify_message(raw).addresses == ["ada@uni.example"]

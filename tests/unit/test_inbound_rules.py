"""Table-driven checks of inbound rules: tokens, loop guard (C3), policy codes (A8), quarantine."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from service.addressing.subaddresses import extract_token
from service.inbound.reading.bounce_rules import diagnose
from service.inbound.reading.classify import classify_files, classify_message
from service.inbound.reading.loop_guard import may_auto_respond

OWN = ["news@news.partnership.example.org"]


def _mail(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Ada <ada@uni.example>")
    msg["To"] = "reply+abc123@reply.example.org"
    msg["Subject"] = headers.pop("Subject", "Question about the research stay")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("How do I apply?\n")
    return msg


@pytest.mark.parametrize(
    ("address", "prefix", "expected"),
    [
        ("bounces+AbC-12_x@bounces.example.org", "bounces", "AbC-12_x"),
        ("Reply <reply+tok.en=@reply.example.org>", "reply", "tok.en="),
        ("reply@reply.example.org", "reply", None),
        ("other+tok@reply.example.org", "reply", None),
        ("", "reply", None),
    ],
)
def test_extract_token(address: str, prefix: str, expected: str | None) -> None:
    assert extract_token(address, prefix) == expected


@pytest.mark.parametrize(
    ("headers", "envelope", "allowed"),
    [
        ({"Auto_Submitted": "AUTO-REPLIED; x=1"}, "ada@uni.example", False),
        ({"List_ID": "<ecr.lists.example>"}, "ada@uni.example", False),
        ({"Precedence": "bulk"}, "ada@uni.example", False),
        ({}, "", False),
        ({}, "MAILER-DAEMON@mx.example", False),
        ({"From": OWN[0]}, OWN[0], False),
        ({"Auto_Submitted": "No"}, "ada@uni.example", True),
        ({}, "ada@uni.example", True),
    ],
)
def test_loop_guard(headers: dict[str, str], envelope: str, allowed: bool) -> None:
    assert may_auto_respond(_mail(**headers), envelope, OWN) is allowed


def test_duplicated_auto_submitted_no_is_still_human() -> None:
    msg = _mail(Auto_Submitted="no")
    msg["Auto-Submitted"] = "no"
    assert may_auto_respond(msg, "ada@uni.example", OWN)


@pytest.mark.parametrize(
    "reply",
    [
        "550 5.7.26 Unauthenticated email is not accepted",
        "550 5.7.515 Access denied",
        "421 4.7.28 rate limited",
    ],
)
def test_policy_codes_are_sender_problems(reply: str) -> None:
    diagnosis = diagnose(reply, remote=reply)
    assert (diagnosis.category, diagnosis.bounce_type) == ("policy", "soft")


def test_unknown_user_is_hard() -> None:
    reply = "550 5.1.1 <x@example.org>: Recipient address rejected: User unknown"
    assert diagnose(reply, remote=reply).bounce_type == "hard"


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\xff garbage without headers"])
def test_unreadable_input_is_quarantined(raw: bytes) -> None:
    verdict = classify_message(raw)
    assert verdict.quarantined and verdict.reason


def test_bad_charset_and_broken_mime_do_not_crash() -> None:
    raw = (
        b"From: a@b.example\r\nTo: reply+t1@reply.example\r\nSubject: =?x-unknown?q?hi?=\r\n"
        b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n'
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nWann ist die Frist?\r\n"
    )
    verdict = classify_message(raw)
    assert (verdict.kind, verdict.reply_tokens, verdict.text) == (
        "inquiry",
        ["t1"],
        "Wann ist die Frist?",
    )


def test_german_ooo_and_unsubscribe() -> None:
    ooo = _mail(Subject="Abwesenheitsnotiz: Newsletter").as_bytes()
    assert classify_message(ooo).kind == "autoreply"
    msg = _mail(Subject="Re: Newsletter")
    msg.set_content(
        "Bitte austragen.\n\nAm 3.2.2026 um 10:00 schrieb Newsdesk <news@x.example>:\n> Hallo"
    )
    assert classify_message(msg.as_bytes()).kind == "unsubscribe"


def test_classify_files_shape(tmp_path) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(_mail().as_bytes())
    (row,) = list(classify_files([path]))
    assert row == {
        "file": str(path),
        "kind": "inquiry",
        "bounce_type": None,
        "addresses": [],
        "text": "How do I apply?",
    }


def test_huge_attachment_and_deep_nesting_do_not_crash() -> None:
    big = EmailMessage()
    big["From"], big["To"], big["Subject"] = "a@b.example", "reply+t2@reply.example", "Frage"
    big.set_content("Gibt es Plätze?")
    big.add_attachment(b"\x00" * 6_000_000, maintype="application", subtype="octet-stream")
    assert classify_message(big.as_bytes()).text == "Gibt es Plätze?"
    nested = b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for i in range(1, 120):
        nested += f"--b{i - 1}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n".encode()
    assert classify_message(nested).kind in {"unknown", "inquiry"}


@pytest.mark.parametrize(
    ("body", "visible"),
    [
        ("Thanks, that helps.\n\n-Ada Lovelace\n", "Thanks, that helps."),
        ("Thanks.\n\n-Ada\n\n\n____\nlist footer\nhttp://lists.example\n", "Thanks."),
        ("Points:\n\n- first\n- second\n", "Points:\n\n- first\n- second"),
        ("It was cold:\n\n-5 degrees at night\n", "It was cold:\n\n-5 degrees at night"),
        ("-Ada\n", "-Ada"),  # nothing written before it: not a sign-off
    ],
)
def test_dash_sign_off_ends_the_reply(body: str, visible: str) -> None:
    from service.inbound.reading.reply_text import visible_text

    assert visible_text(body) == visible

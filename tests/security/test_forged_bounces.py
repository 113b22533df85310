"""Finding 1: forged bounces and complaints must not suppress anyone (SMTP to the receiver)."""

from __future__ import annotations

from sqlmodel import Session

from service.db import get_engine
from service.models import BounceScore, ComplaintEvent, Subscriber
from tests.security.conftest import (
    BOUNCE_DOMAIN,
    Inbound,
    count,
    sent_campaign,
    status_of,
    subscriber,
    suppressions,
    verp,
)

_DIAGNOSTIC = {"5": "550 user unknown", "4": "452 mailbox full, try again later"}


def dsn(
    *, to: str, rcpt: str, status: str = "5.1.1", original: str = "", diagnostic: str = ""
) -> bytes:
    """An RFC 3464 report, optionally quoting headers of the original."""
    headers = original or f"To: {rcpt}\r\nSubject: hello\r\n"
    return (
        f"From: MAILER-DAEMON@mx.attacker.example\r\nTo: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        "Message-ID: <dsn1@mx.attacker.example>\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.attacker.example\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic or _DIAGNOSTIC[status[0]]} {status}\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers}\r\n--B--\r\n"
    ).encode()


def arf(*, to: str, rcpt: str, original: str = "", sender: str = "abuse@attacker.example") -> bytes:
    """An RFC 5965 abuse report."""
    inner = original or f"From: news@news.partnership.example.org\r\nTo: {rcpt}\r\n"
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Abuse report\r\nMIME-Version: 1.0\r\n"
        "Message-ID: <arf1@attacker.example>\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=F\r\n\r\n"
        "--F\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: x/1\r\nVersion: 1\r\nOriginal-Rcpt-To: {rcpt}\r\n"
        f"\r\n--F\r\nContent-Type: text/rfc822-headers\r\n\r\n{inner}\r\n--F--\r\n"
    ).encode()


def test_forged_dsn_without_token_blocks_nobody(inbound: Inbound) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        victim = subscriber(s, "victim@uni.example")
        sent_campaign(s, [victim])
    for to in (f"bounces@{BOUNCE_DOMAIN}", f"bounces+forgedtoken@{BOUNCE_DOMAIN}"):
        inbound.send(dsn(to=to, rcpt=victim.email), mail_from="", rcpt=to)
    assert status_of(victim.id) == "confirmed"
    assert suppressions() == 0 and count(BounceScore) == 0


def test_forged_arf_blocks_no_subscriber_and_suppresses_no_stranger(inbound: Inbound) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        victim = subscriber(s, "victim@uni.example")
        sent_campaign(s, [victim])
    to = f"bounces@{BOUNCE_DOMAIN}"
    inbound.send(arf(to=to, rcpt=victim.email), mail_from="x@attacker.example", rcpt=to)
    inbound.send(arf(to=to, rcpt="future@uni.example"), mail_from="x@attacker.example", rcpt=to)
    assert status_of(victim.id) == "confirmed"
    assert suppressions() == 0 and count(ComplaintEvent) == 0


def test_genuine_bounce_acts_once_per_delivery(inbound: Inbound) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        ada, bob = subscriber(s, "ada@uni.example"), subscriber(s, "bob@uni.example")
        campaign = sent_campaign(s, [ada, bob])
    ret = verp(campaign.id, ada.id)
    inbound.send(dsn(to=ret, rcpt=ada.email, status="4.2.2"), mail_from="", rcpt=ret)
    inbound.send(dsn(to=ret, rcpt=ada.email, status="4.2.2"), mail_from="", rcpt=ret)
    with Session(get_engine()) as s:
        score = s.get(BounceScore, ada.id)
        assert score is not None and score.score == 0.5  # the second report of it is ignored
    # the Message-ID of our message in the returned headers matches too (no VERP token)
    original = f"Message-ID: <c{campaign.id}s{bob.id}@news.partnership.example.org>\r\n"
    to = f"bounces@{BOUNCE_DOMAIN}"
    inbound.send(dsn(to=to, rcpt=bob.email, original=original), mail_from="", rcpt=to)
    assert status_of(bob.id) == "blocklisted" and suppressions() == 1


def test_F4_complaint_matched_by_message_id_counts_once(inbound: Inbound) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        ada = subscriber(s, "ada@uni.example")
        campaign = sent_campaign(s, [ada])
    original = (
        f"Message-ID: <c{campaign.id}s{ada.id}@news.partnership.example.org>\r\nTo: {ada.email}\r\n"
    )
    to = f"bounces@{BOUNCE_DOMAIN}"
    for _ in range(2):
        raw = arf(to=to, rcpt=ada.email, original=original)
        inbound.send(raw, mail_from="fbl@isp.example", rcpt=to)
    assert status_of(ada.id) == "blocklisted"
    assert count(ComplaintEvent) == 1


def test_stripped_fbl_needs_configured_domain_and_its_dkim(inbound: Inbound, fbl_signer) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        ada, bob = subscriber(s, "ada@uni.example"), subscriber(s, "bob@uni.example")
        sent_campaign(s, [ada, bob])
    to = f"bounces@{BOUNCE_DOMAIN}"
    redacted = "From: news@news.partnership.example.org\r\nTo: [redacted]\r\n"
    signed = fbl_signer(arf(to=to, rcpt=ada.email, original=redacted, sender="fbl@fbl.isp.example"))
    inbound.send(signed, mail_from="fbl@fbl.isp.example", rcpt=to)
    assert status_of(ada.id) == "blocklisted"
    # the same report for bob, unsigned or altered after signing: recorded, not acted on
    forged = fbl_signer(arf(to=to, rcpt=bob.email, original=redacted, sender="fbl@fbl.isp.example"))
    inbound.send(forged.replace(b"abuse report.", b"abuse rep0rt."), mail_from="", rcpt=to)
    unsigned = arf(to=to, rcpt=bob.email, original=redacted, sender="fbl@fbl.isp.example")
    inbound.send(unsigned, mail_from="fbl@fbl.isp.example", rcpt=to)
    with Session(get_engine()) as s:
        assert s.get(Subscriber, bob.id).status == "confirmed"  # type: ignore[union-attr]
    assert count(ComplaintEvent) == 1

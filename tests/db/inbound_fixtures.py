"""Builders for inbound DB tests: a real token decoder for test tokens and sample messages."""

from __future__ import annotations

import re
import uuid
from email.message import EmailMessage

from sqlmodel import Session

from service.addressing.mailbox_tokens import ReplyTarget
from service.models import Announcement, Coordinator, InboundMessage, Subscriber, SubscriberStatus
from tests.support.audience import hold_lists

BOUNCE_DOMAIN = "bounces.news.partnership.example.org"
REPLY_DOMAIN = "reply.news.partnership.example.org"


class TestTokenDecoder:
    """Decodes the readable test tokens `c<campaign>s<subscriber>[a<announcement>]`.

    The production decoder (service/addressing/tokens.py) verifies HMACs; the routing logic under
    test only needs the ids, so tests mint readable tokens.
    """

    _RE = re.compile(r"^c(\d+)s(\d+)(?:a(\d+))?$")

    def bounce(self, token: str) -> tuple[int, int] | None:
        """(campaign, subscriber)."""
        m = self._RE.match(token)
        return (int(m[1]), int(m[2])) if m else None

    def reply(self, token: str) -> ReplyTarget | None:
        """Reply target; no `a` part means the edition as a whole."""
        m = self._RE.match(token)
        return ReplyTarget(int(m[1]), int(m[2]), int(m[3]) if m[3] else None) if m else None

    def unsubscribe(self, token: str) -> tuple[int, int] | None:
        """(subscriber, campaign) of `c<campaign>s<subscriber>`."""
        m = self._RE.match(token)
        return (int(m[2]), int(m[1])) if m else None


def world(session: Session) -> tuple[Subscriber, Coordinator, Coordinator, Announcement]:
    """One confirmed subscriber, a stays coordinator with an announcement, a triage coordinator."""
    sub = Subscriber(
        email="ada@uni.example",
        email_hash="h",
        status=SubscriberStatus.CONFIRMED,
        name="Ada",
        language="de",
        attributes={"career": "phd"},
    )
    stays = Coordinator(name="Research stays", email="stays@partner.example")
    triage = Coordinator(name="Partnership office", email="office@partner.example")
    session.add_all([sub, stays, triage])
    hold_lists(session, [sub])
    ann = Announcement(
        slug="research-stays",
        title_en="Research stays in Chicago for ECRs",
        title_de="Forschungsaufenthalte in Chicago",
        coordinator_id=stays.id,
    )
    session.add(ann)
    session.commit()
    return sub, stays, triage, ann


def delivered(session: Session, subscriber: Subscriber, *, campaign_id: int = 1) -> None:
    """A campaign with this id (created if missing) that sent one message to the subscriber."""
    from service.models import Campaign, Delivery, DeliveryStatus
    from service.models._common import utcnow

    if session.get(Campaign, campaign_id) is None:
        session.add(
            Campaign(id=campaign_id, name="c", subject_en="s", subject_de="s", status="sent")
        )
        session.flush()
    session.add(
        Delivery(
            campaign_id=campaign_id,
            subscriber_id=subscriber.id,
            edition_key="de",
            status=DeliveryStatus.SENT,
            message_id=f"<c{campaign_id}s{subscriber.id}@news.partnership.example.org>",
            sent_at=utcnow(),
        )
    )
    session.commit()


def store(
    session: Session, raw: bytes, *, to: list[str], envelope_from: str = "sender@x.example"
) -> int:
    """Store raw bytes the way the receiver does and return the id."""
    row = InboundMessage(raw=raw, envelope_from=envelope_from, envelope_to=to)
    session.add(row)
    session.commit()
    assert row.id is not None
    return row.id


def dsn(rcpt: str, status: str, diagnostic: str, verp: str) -> bytes:
    """A minimal RFC 3464 report returning one of our mails."""
    return (
        f"From: MAILER-DAEMON@mx.uni.example\r\nTo: {verp}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.uni.example\r\n\r\n"
        f"Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {diagnostic}\r\n\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nReturn-Path: <{verp}>\r\nTo: {rcpt}\r\n"
        "\r\n--B--\r\n"
    ).encode()


def reply(
    text: str, *, to: str, subject: str = "Re: Partnership newsletter", **headers: str
) -> bytes:
    """A subscriber's reply."""
    msg = EmailMessage()
    msg["From"] = "Ada <ada@uni.example>"
    msg["To"] = to
    msg["Subject"] = subject
    # each message its own id unless given: copies of one Message-ID are processed once
    msg["Message-ID"] = headers.pop("Message_ID", None) or f"<q{uuid.uuid4().hex[:12]}@uni.example>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg.as_bytes()

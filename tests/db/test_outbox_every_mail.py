"""One outbox (STANDARDS A2, A6, D1, D5): every kind of mail we send, captured at a real SMTP
server on loopback, carries a verifying DKIM signature of our domain, a Date and a Message-ID;
the confirmation request holds nothing but the request; an address alone is a valid signup."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

import dkim
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.demo.capture import CapturedMail, MailCapture
from service.inbound.acting.bounce_notices import build_bounce_notice
from service.inbound.acting.reminders import due_reminders
from service.inbox.answers import Author, answer
from service.inbox.notices import notice
from service.mail.dkim_keys import write_demo_key
from service.mail.outbox import send_outgoing
from service.models import ConsentEvent, Inquiry, ListSubscription, Subscriber
from service.settings import get_settings
from tests.db.inbox_fixtures import InboxWorld
from tests.db.inbox_fixtures import inbox as inbox

WEB = Author("Rita (newsroom)", user_id=7)


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[MailCapture, bytes]:
    """A DKIM key in settings and a capturing SMTP server; yields (capture, DNS TXT record)."""
    settings = get_settings()
    key, record = write_demo_key(tmp_path, selector="nd2026", domain=settings.dkim_domain)
    monkeypatch.setattr(settings, "dkim_private_key_path", key)
    with MailCapture(tmp_path / "maildir") as capture:
        monkeypatch.setattr(settings, "smtp_url", f"smtp://127.0.0.1:{capture.port}")
        yield capture, record.read_text().strip().encode()


def _check_signed(mail: CapturedMail, txt: bytes) -> EmailMessage:
    """Verifies with our key, d= our domain, rsa-sha256, Date and Message-ID signed and valid."""
    settings = get_settings()
    assert dkim.verify(mail.data, dnsfunc=lambda _name, timeout=5: txt), mail.data[:400]
    msg = message_from_bytes(mail.data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    sig = msg["DKIM-Signature"].replace("\r\n", "").replace(" ", "").replace("\t", "")
    tags = dict(t.split("=", 1) for t in sig.split(";") if "=" in t)
    assert (tags["d"], tags["a"]) == (settings.dkim_domain, "rsa-sha256")
    signed = tags["h"].lower().split(":")
    assert {"from", "date", "message-id", "subject"} <= set(signed)
    for header in ("Date", "Message-ID", "From"):
        assert len(msg.get_all(header, [])) == 1, header
    parsedate_to_datetime(msg["Date"])
    domain = re.escape(settings.message_id_domain)
    message_id = msg["Message-ID"].strip()  # a long one is folded after the colon
    assert re.fullmatch(rf"<[^@\s>]+@{domain}>", message_id), message_id
    return msg


def test_A2_every_message_signed(
    inbox: InboxWorld, outbox: tuple[MailCapture, bytes], session: Session
) -> None:
    """Hand-off, acknowledgement, relayed answer, reminder, inbox notice, bounce notice and the
    double opt-in request all leave through the one outbox, signed and dated (the reminder:
    test_A2_reminder_is_signed_and_dated; campaign mail: test_A2_campaign_message_signed)."""
    from workers.tasks.inbox import send_inquiry_answers

    capture, txt = outbox
    inbox.stays.send_acknowledgement = True  # the coordinator acknowledges replies
    session.add(inbox.stays)
    session.commit()
    asked = inbox.ask("Wie lange dauert ein Aufenthalt?", Message_ID="<q1@uni.example>")
    assert len(asked.outgoing) == 2  # the hand-off to the coordinator and the acknowledgement
    send_outgoing(asked.outgoing)
    reply = answer(session, inquiry_id=asked.inquiry_id, author=WEB, body="Drei Monate.",
                   now=inbox.clock.now())  # fmt: skip
    session.commit()
    assert send_inquiry_answers.run([reply.id]) == {"sent": 1}
    inquiry = session.get(Inquiry, asked.inquiry_id)
    assert inquiry is not None
    notices = [notice(inquiry=inquiry, to=inbox.deputy, subject="Waiting", body="Please look.")]
    sub = session.get(Subscriber, inbox.subscriber_id)
    assert sub is not None
    notices.append(build_bounce_notice(sub, number=1, now=inbox.clock.now()))
    send_outgoing(notices)
    with TestClient(create_app()) as client:  # the public form, as shipped
        signup = client.post("/subscribe", data={"email": "neu@uni.example", "consent": "yes"})
    assert signup.status_code == 200, signup.text
    kinds = dict.fromkeys(("handoff", "ack", "answer", "notice", "bounce", "doi"), 0)
    for mail in capture.captured:
        msg = _check_signed(mail, txt)
        subject, auto = str(msg["Subject"]), msg["Auto-Submitted"]
        to_sub = mail.rcpt_tos == [sub.email]
        kind = (
            "doi" if mail.rcpt_tos == ["neu@uni.example"]
            else "notice" if "Waiting" in subject
            else "bounce" if to_sub and auto == "auto-generated"
            else "ack" if to_sub and auto == "auto-replied"
            else "answer" if to_sub
            else "handoff"
        )  # fmt: skip
        kinds[kind] += 1
    assert kinds == dict.fromkeys(kinds, 1), kinds


def test_A2_reminder_is_signed_and_dated(
    inbox: InboxWorld, outbox: tuple[MailCapture, bytes], session: Session
) -> None:
    """The coordinator's reminder (built without a Date) gets one from the outbox, signed."""
    capture, txt = outbox
    asked = inbox.ask("Gibt es Stipendien?")
    inquiry = session.get(Inquiry, asked.inquiry_id)
    assert inquiry is not None and inquiry.forwarded_at is not None
    later = inbox.clock.now() + timedelta(days=get_settings().inquiry_reminder_days + 1)
    reminders = due_reminders(session, now=later)
    session.commit()
    assert len(reminders) == 1 and reminders[0]["Date"] is None  # the builder leaves it out
    assert send_outgoing(reminders) == 1
    (mail,) = capture.captured
    msg = _check_signed(mail, txt)
    assert str(msg["Subject"]).startswith("Reminder")


def test_D1_confirmation_mail_is_only_the_confirmation_request(
    session: Session, outbox: tuple[MailCapture, bytes]
) -> None:
    """Bytes at the SMTP server: signed, no list headers, one link (the confirm one), no news."""
    capture, txt = outbox
    with TestClient(create_app()) as client:
        form = {"email": "ada@uni.example", "consent": "yes", "language": "de"}
        assert client.post("/subscribe", data=form).status_code == 200
    (mail,) = capture.captured
    msg = _check_signed(mail, txt)
    for header in ("List-Unsubscribe", "List-Id", "Precedence", "Feedback-ID"):
        assert msg[header] is None, header  # transactional: no newsletter headers (B1, C5)
    assert msg["Auto-Submitted"] == "auto-generated"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    urls = set(re.findall(r"https?://\S+", text))
    (confirm,) = urls
    assert "/confirm/" in confirm
    assert re.findall(r'href="([^"]+)"', html) == [confirm]
    assert "<img" not in html  # no pixel, no images
    lowered = (text + html).lower()
    for news in ("forschungsaufenthalt", "lung", "seed", "announcement", "campaign"):
        assert news not in lowered, news
    settings = get_settings()
    assert settings.org_postal_address.splitlines()[0] in text  # who is asking (D9)


def test_D5_form_with_only_an_email_address_joins_the_default_list(
    session: Session, outbox: tuple[MailCapture, bytes]
) -> None:
    """No name, no language, no list ticked: accepted, unconfirmed, on the default list."""
    capture, _txt = outbox
    with TestClient(create_app()) as client:
        response = client.post("/subscribe", data={"email": "only@uni.example", "consent": "yes"})
    assert response.status_code == 200, response.text
    sub = session.exec(select(Subscriber).where(Subscriber.email == "only@uni.example")).one()
    assert sub.status == "unconfirmed"
    default = get_settings().signup_default_list
    held = session.exec(select(ListSubscription).where(ListSubscription.subscriber_id == sub.id))
    assert {(r.list_slug, r.active) for r in held if r.active} == {(default, True)}
    (event,) = session.exec(select(ConsentEvent).where(ConsentEvent.subscriber_id == sub.id))
    assert event.event == "signup" and event.detail["lists"] == [default]
    assert [m.rcpt_tos for m in capture.captured] == [["only@uni.example"]]


def test_A2_campaign_message_signed(session: Session, outbox: tuple[MailCapture, bytes]) -> None:
    """A campaign message (the test send composes it as the sender does) signs with the same key,
    List-Unsubscribe and List-Unsubscribe-Post under the signature."""
    from service.demo.seed import seed

    capture, txt = outbox
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=10)
    session.commit()
    with TestClient(create_app()) as client:
        sent = client.post(
            f"/api/campaigns/{summary.campaign_id}/test-send",
            json={"addresses": ["comms@partnership.example.org"], "segment": "everyone"},
        )
    assert sent.status_code == 200, sent.text
    (mail,) = capture.captured
    msg = _check_signed(mail, txt)
    signed = msg["DKIM-Signature"].replace(" ", "").replace("\r\n", "").lower()
    assert "list-unsubscribe" in signed and "list-unsubscribe-post" in signed

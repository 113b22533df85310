"""Answers: queued, threaded, DKIM-signed through the outbox; collisions held; bad input refused."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from sqlmodel import select

from service.demo.capture import MailCapture
from service.errors import InvalidInput, InvalidTransition
from service.inbound.acting.processing import process_inbound
from service.inbox import canned
from service.inbox.answer_mail import queued
from service.inbox.answers import Author, answer, confirm_held
from service.inbox.lifecycle import add_note, close, reopen
from service.mail.dkim_keys import write_demo_key
from service.models import InquiryMessage
from service.settings import get_settings
from tests.db.inbound_fixtures import store
from tests.db.inbox_fixtures import AUTHSERV, DECODER, InboxWorld
from tests.db.inbox_fixtures import inbox as inbox

WEB = Author("Rita (newsroom)", user_id=7)


def _email_answer(inbox: InboxWorld, handoff: EmailMessage, text: str, sender: str):
    """A coordinator replies to the hand-off from their mail client."""
    to = handoff["Reply-To"].addresses[0].addr_spec
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, f"Re: {handoff['Subject']}"
    msg["Message-ID"] = "<coord-1@partner.example>"
    msg["In-Reply-To"] = handoff["Message-ID"]
    # our MTA checked the coordinator's domain (issue 15, finding 9: answers must be authentic)
    msg["Authentication-Results"] = f"{AUTHSERV}; dmarc=pass header.from={sender.split('@')[-1]}"
    msg.set_content(text)
    outcome = process_inbound(inbox.session, message_id=store(inbox.session, msg.as_bytes(),
                              to=[to], envelope_from=sender), decoder=DECODER)  # fmt: skip
    inbox.session.commit()
    return outcome


def test_late_email_answer_after_a_browser_answer_is_held(inbox: InboxWorld) -> None:
    asked = inbox.ask("Wann ist die Frist?")
    answer(inbox.session, inquiry_id=asked.inquiry_id, author=WEB, body="Am 1. Mai.",
           now=inbox.clock.now(), seen_entry_id=None)  # fmt: skip
    inbox.session.commit()
    late = _email_answer(inbox, asked.outgoing[0], "Frist: 1. Mai", inbox.stays.email)
    assert late.action == "answer held"
    (told,) = late.outgoing  # to the late author, never to the subscriber
    assert told["To"].addresses[0].addr_spec == inbox.stays.email
    assert "Rita (newsroom) answered" in told.get_content()
    held = inbox.session.exec(select(InquiryMessage).where(InquiryMessage.state == "held")).one()
    assert held.channel == "email" and held.author_coordinator_id == inbox.stays.id
    stays = Author("Research stays", coordinator_id=inbox.stays.id)
    released = confirm_held(
        inbox.session, entry_id=held.id, author=stays, now=inbox.clock.now(), send=True
    )
    assert released.state == "queued" and released.message_id


def test_two_racing_browser_answers_second_is_held(inbox: InboxWorld) -> None:
    asked = inbox.ask("Gibt es Stipendien?")
    from service.inbox.thread import latest_id

    seen = latest_id(inbox.session, inquiry_id=asked.inquiry_id)  # both forms rendered now
    first = answer(inbox.session, inquiry_id=asked.inquiry_id, author=WEB, body="Ja.",
                   now=inbox.clock.now(), seen_entry_id=seen)  # fmt: skip
    second = answer(inbox.session, inquiry_id=asked.inquiry_id, author=Author("Bo", user_id=8),
                    body="Nein.", now=inbox.clock.now(), seen_entry_id=seen)  # fmt: skip
    inbox.session.commit()
    assert (first.state, second.state) == ("queued", "held")
    assert [e.id for e in queued(inbox.session)] == [first.id]
    own = answer(inbox.session, inquiry_id=asked.inquiry_id, author=WEB, body="Noch etwas.",
                 now=inbox.clock.now(), seen_entry_id=seen)  # fmt: skip
    assert own.state == "queued"  # one's own follow-up is no collision


def test_email_answer_without_collision_is_relayed_and_recorded(inbox: InboxWorld) -> None:
    asked = inbox.ask("Wo finde ich das Formular?", Message_ID="<q1@uni.example>")
    relayed = _email_answer(inbox, asked.outgoing[0], "Im Portal.", inbox.stays.email)
    (mail,) = relayed.outgoing
    assert relayed.action == "relayed" and mail["To"].addresses[0].addr_spec == "ada@uni.example"
    assert mail["In-Reply-To"] == "<q1@uni.example>" and mail["Reply-To"].startswith("reply+")
    row = inbox.inquiry(asked.inquiry_id)
    assert row.state == "answered" and row.first_answered_at is not None


@pytest.mark.parametrize(
    ("body", "subject", "message"),
    [
        ("Hallo", "Re: Frist\r\nBcc: everyone@example.org", "single line"),
        ("Hallo", "Re: Frist\nX-Evil: 1", "single line"),
        ("   \n\t ", "", "empty"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_queued(
    inbox: InboxWorld, body: str, subject: str, message: str
) -> None:
    asked = inbox.ask("Frage")
    with pytest.raises(InvalidInput, match=message):
        answer(inbox.session, inquiry_id=asked.inquiry_id, author=WEB, body=body,
               subject=subject, now=inbox.clock.now())  # fmt: skip
    inbox.session.rollback()
    assert queued(inbox.session) == []


def test_answer_to_a_closed_inquiry_is_refused_until_reopened(inbox: InboxWorld) -> None:
    asked = inbox.ask("Frage")
    close(inbox.session, inquiry_id=asked.inquiry_id, by=WEB, now=inbox.clock.now())
    inbox.session.commit()
    with pytest.raises(InvalidTransition, match="closed"):
        answer(inbox.session, inquiry_id=asked.inquiry_id, author=WEB, body="Zu spät",
               now=inbox.clock.now())  # fmt: skip
    inbox.session.rollback()
    assert queued(inbox.session) == []
    refused = _email_answer(inbox, asked.outgoing[0], "Per Mail", inbox.stays.email)
    assert refused.action == "answer refused"
    assert [m["To"].addresses[0].addr_spec for m in refused.outgoing] == [inbox.stays.email]
    reopen(inbox.session, inquiry_id=asked.inquiry_id, by=WEB, now=inbox.clock.now())
    add_note(inbox.session, inquiry_id=asked.inquiry_id, body="Rückruf vereinbart", by=WEB,
             now=inbox.clock.now())  # fmt: skip
    ok = answer(inbox.session, inquiry_id=asked.inquiry_id, author=WEB, body="Doch noch",
                now=inbox.clock.now())  # fmt: skip
    assert ok.state == "queued" and len(queued(inbox.session)) == 1  # the note is never mailed


def test_canned_answers_refuse_unknown_variables_at_save_and_use(inbox: InboxWorld) -> None:
    with pytest.raises(InvalidInput, match=r"unknown variable \{\{ subscriber_email \}\}"):
        canned.save(inbox.session, name="Frist", language="de",
                    body="Hallo {{ subscriber_email }}")  # fmt: skip
    with pytest.raises(InvalidInput, match="unbalanced"):
        canned.save(inbox.session, name="Frist", language="de", body="Hallo {{ name")
    row = canned.save(inbox.session, name="Frist", language="de",
                      body="Hallo {{ subscriber_name }}, zu {{announcement_title}}: 1. Mai. "
                           "{{ coordinator_name }}")  # fmt: skip
    values = {"subscriber_name": "Ada", "announcement_title": "Stays", "coordinator_name": "Rita"}
    assert canned.fill(row.body, values) == "Hallo Ada, zu Stays: 1. Mai. Rita"
    row.body = "Hallo {{ unknown }}"  # changed behind the form's back (or by an old version)
    with pytest.raises(InvalidInput, match="unknown variable"):
        canned.fill(row.body, values)


def test_answer_mail_is_threaded_and_dkim_verifies_at_the_smtp_server(
    inbox: InboxWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workers.tasks.inbox import send_inquiry_answers

    key, record = write_demo_key(tmp_path, selector="nd2026", domain="news.partnership.example.org")
    monkeypatch.setattr(get_settings(), "dkim_private_key_path", key)
    asked = inbox.ask("Wie lange dauert ein Aufenthalt?", Message_ID="<q1@uni.example>")
    first = answer(inbox.session, inquiry_id=asked.inquiry_id, author=WEB,
                   body="Drei bis sechs Monate.", now=inbox.clock.now())  # fmt: skip
    inbox.session.commit()
    with MailCapture(tmp_path / "maildir") as capture:
        monkeypatch.setattr(get_settings(), "smtp_url", f"smtp://127.0.0.1:{capture.port}")
        assert send_inquiry_answers.run([first.id]) == {"sent": 1}
        assert send_inquiry_answers.run([first.id]) == {"sent": 0}  # marked sent: never twice
    (got,) = capture.captured
    assert got.rcpt_tos == ["ada@uni.example"]
    txt = record.read_text().strip().encode()
    assert dkim.verify(got.data, dnsfunc=lambda _name, timeout=5: txt)
    import email

    msg = email.message_from_bytes(got.data, policy=email.policy.default)
    assert msg["From"].addresses[0].addr_spec == get_settings().from_address
    assert (msg["In-Reply-To"], msg["References"]) == ("<q1@uni.example>", "<q1@uni.example>")
    assert msg["Message-ID"] == first.message_id and msg["Content-Language"] == "de"
    inbox.session.expire_all()
    assert inbox.session.get(InquiryMessage, first.id).state == "sent"


def test_an_answer_records_the_inquiry_answered_trigger(inbox: InboxWorld) -> None:
    """The automation trigger table sees every answer (service/automation/triggers.py)."""
    from service.models import AutomationEvent

    asked = inbox.ask("Gibt es Stipendien?")
    answer(inbox.session, inquiry_id=asked.inquiry_id, author=WEB, body="Ja.",
           now=inbox.clock.now(), seen_entry_id=None)  # fmt: skip
    inbox.session.commit()
    (event,) = inbox.session.exec(select(AutomationEvent)).all()
    assert event.kind == "inquiry_answered" and event.detail == {"inquiry_id": asked.inquiry_id}

"""Checks on captured campaign mail shared by the end-to-end tests."""

from __future__ import annotations

import email
import email.policy
import mailbox
from collections import Counter
from pathlib import Path

import dkim
from sqlmodel import Session, select

from service.models import Announcement, Delivery, Edition, Subscriber

SINGLETONS = ("From", "To", "Subject", "Date", "Message-ID")


def read_maildir(path: Path) -> list[bytes]:
    """Raw bytes of every message in a Maildir (with the delivery trace headers)."""
    box = mailbox.Maildir(str(path), create=False)
    return [box.get_bytes(key) for key in box.iterkeys()]


def dkim_txt(record_file: Path) -> bytes:
    """The TXT record value the demo would publish."""
    return record_file.read_text().strip().encode()


def check_campaign_mail(
    session: Session, *, campaign_id: int, raws: list[bytes], dkim_record: bytes | None = None
) -> None:
    """Exactly one message per sent delivery, right language and announcements, valid headers."""
    deliveries = session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id)).all()
    sent = {d.message_id: d for d in deliveries if d.status == "sent"}
    editions = {
        e.key: e for e in session.exec(select(Edition).where(Edition.campaign_id == campaign_id))
    }
    titles = {a.id: (a.title_en, a.title_de) for a in session.exec(select(Announcement))}
    people = {s.id: s for s in session.exec(select(Subscriber))}
    messages = [email.message_from_bytes(raw, policy=email.policy.default) for raw in raws]
    assert len(messages) == len(sent), f"{len(messages)} captured vs {len(sent)} sent"
    recipients = Counter(str(m["To"]) for m in messages)
    assert max(recipients.values()) == 1, f"someone got two: {recipients.most_common(1)}"
    for raw, msg in zip(raws, messages, strict=True):
        for header in SINGLETONS:
            assert len(msg.get_all(header, [])) == 1, header
        delivery = sent.pop(msg["Message-ID"])
        person = people[delivery.subscriber_id]
        assert person.email in str(msg["To"])
        edition = editions[delivery.edition_key]
        assert edition.language == person.language
        plain = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert f'lang="{person.language}"' in html
        shown = set(edition.announcement_ids)
        for aid, (title_en, title_de) in titles.items():
            title = (title_de if person.language == "de" and title_de else title_en) or title_en
            assert (title in html) == (aid in shown), (
                f"announcement {aid} for {person.language} edition"
            )
        assert plain.strip()
        if dkim_record is not None:
            body = raw.split(b"\r\nDelivered-To:", 1)[1].split(b"\r\n", 1)[1]
            assert dkim.verify(body, dnsfunc=lambda _name, timeout=5: dkim_record)
    assert not sent, f"{len(sent)} sent deliveries never arrived"

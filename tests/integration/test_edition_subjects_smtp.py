"""Per-edition subjects arrive at a real SMTP server, sent by a real Celery worker (issue 14.6).

The demo campaign on PostgreSQL + Redis: its subjects are generated per edition from each
edition's own announcements, and one German edition gets a subject written for it through the
CLI (with a merge tag and umlauts). After the worker sent everything, every captured message's
Subject is its edition's subject, names only announcements its mail holds, is RFC 2047-encoded
where it has umlauts, and the DKIM signature over it verifies.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from sqlmodel import select

from service.campaigns.edition_subjects import matrix_subjects
from service.db import session_scope
from service.demo.seed import seed
from service.models import Announcement, Campaign, Delivery, Edition, Subscriber
from service.settings import get_settings
from tests.conftest import postgres_url, redis_url
from tests.integration.live_stack import live_stack, wait_for
from tests.integration.mailcheck import check_campaign_mail, dkim_txt, read_maildir

WRITTEN = 'Für {{ first_name | default("Sie") }}: {{ announcements }}'


def _status(campaign_id: int) -> str:
    with session_scope() as session:
        return session.get(Campaign, campaign_id).status  # type: ignore[union-attr]


def _short_names(language: str) -> dict[int, str]:
    with session_scope() as session:
        rows = session.exec(select(Announcement)).all()
        return {
            a.id: (getattr(a, f"short_title_{language}") or a.short_title_en or "").casefold()
            for a in rows
            if a.id is not None
        }


@pytest.mark.slow
def test_each_message_carries_its_editions_subject(tmp_path: Path) -> None:
    with live_stack(tmp_path, database_url=postgres_url(), broker_url=redis_url()) as stack:
        with session_scope() as session:
            summary = seed(session, secret=get_settings().secret_bytes, subscribers=150)
        campaign_id = summary.campaign_id
        with session_scope() as session:
            rows = matrix_subjects(session, campaign_id=campaign_id)
        german = next(r for r in rows if r.language == "de" and len(r.announcement_ids) >= 2)
        written = stack.cli("edition", "subject", str(campaign_id), german.key, WRITTEN)
        assert written.returncode == 0, written.stdout + written.stderr
        scheduled = stack.cli("campaign", "schedule", str(campaign_id))
        assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
        wait_for(lambda: _status(campaign_id) == "sent", 120, "the campaign to be sent")

        raws = read_maildir(tmp_path / "maildir")
        with session_scope() as session:
            check_campaign_mail(
                session, campaign_id=campaign_id, raws=raws, dkim_record=dkim_txt(stack.dkim_record)
            )  # one message per delivery, right edition, DKIM verifies over the Subject
            editions = {
                e.key: e
                for e in session.exec(select(Edition).where(Edition.campaign_id == campaign_id))
            }
            by_message = {
                d.message_id: d
                for d in session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id))
            }
            people = {s.id: s for s in session.exec(select(Subscriber))}
        assert editions[german.key].subject == WRITTEN.replace(
            "{{ announcements }}", german.subject.split(": ", 1)[1]
        )
        names = {"de": _short_names("de"), "en": _short_names("en")}
        subjects_seen: dict[str, set[str]] = {}
        for raw in raws:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            delivery = by_message[msg["Message-ID"]]
            edition = editions[delivery.edition_key]
            subject = str(msg["Subject"]).strip()
            subjects_seen.setdefault(delivery.edition_key, set()).add(subject)
            after = raw.split(b"\r\nSubject:", 1)[1]
            raw_subject = re.split(rb"\r\n(?![ \t])", after, maxsplit=1)[0]  # with folded lines
            assert raw_subject.isascii()
            if any(ord(c) > 127 for c in subject):
                assert b"=?utf-8?" in raw_subject.lower()  # RFC 2047 encoded word
            for aid, name in names[edition.language].items():
                if name and aid not in edition.announcement_ids:
                    assert name not in subject.casefold(), (delivery.edition_key, subject)
            if delivery.edition_key == german.key:
                first = (people[delivery.subscriber_id].name or "Sie").split()[0]
                assert subject.startswith("Für ") and "{{" not in subject, subject
                assert subject.endswith(": " + german.subject.split(": ", 1)[1]), subject
                assert first in subject or "Sie" in subject  # the merge tag was filled
            else:
                assert subject == edition.subject, (delivery.edition_key, subject)
        generated = {k: v for k, v in subjects_seen.items() if k != german.key}
        assert len({next(iter(v)) for v in generated.values()}) >= 2  # editions differ
        assert german.key in subjects_seen

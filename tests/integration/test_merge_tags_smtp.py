"""Merge tags in subjects and titles arrive filled per recipient at a real SMTP server.

The edition is rendered by the real renderer, the skeleton built once, each message filled and
DKIM-signed per recipient and sent over SMTP to aiosmtpd on loopback; the test reads the bytes
the server received: the Subject is RFC 2047-encoded, decodes to the reader's first name (or
the fallback), the title in both parts carries the same, and the signature verifies.
"""

from __future__ import annotations

import smtplib
from dataclasses import replace
from pathlib import Path

import dkim
import pytest

from service.errors import InvalidInput
from service.mail.compose import EditionSkeleton, Recipient
from service.rendering import merge_tags
from service.rendering.edition import render_edition
from tests.db.smtp_capture import Capture, capture_smtp
from tests.unit.edition_samples import sample_edition
from tests.unit.test_compose import dns, make_settings

smtp = capture_smtp
SUBJECT = 'Hallo {{ first_name | default("Kollegin, Kollege") }}: Neues aus der Partnerschaft'
TITLE = "{{ first_name | default('Liebe Forschende') }}, Ihre Förderung wartet"


def _skeleton(tmp_path: Path) -> EditionSkeleton:
    spec = sample_edition("de")
    first = replace(spec.announcements[0], title=TITLE)
    spec = replace(spec, subject=SUBJECT, announcements=(first, *spec.announcements[1:]))
    return EditionSkeleton.build(
        edition=render_edition(spec), subject=SUBJECT, language="de", campaign_id=42,
        list_id="newsletter", list_name="Newsletter der Partnerschaft",
        announcement_ids=tuple(a.id for a in spec.announcements),
        settings=make_settings(tmp_path),
    )  # fmt: skip


def test_subject_and_title_filled_per_recipient_at_the_smtp_server(
    tmp_path: Path, smtp: Capture
) -> None:
    skeleton = _skeleton(tmp_path)
    readers = [
        Recipient(1, "juergen@example.org", "Jürgen Müller", tracking=False),
        Recipient(2, "anon@example.org", None, tracking=True),
        Recipient(3, "ada@example.org", "Ada <b>Lovelace</b>", tracking=False),
    ]
    port = int(make_settings(tmp_path).smtp_url.rsplit(":", 1)[1])
    with smtplib.SMTP("127.0.0.1", port) as client:
        for reader in readers:
            message = skeleton.message_for(reader)
            client.sendmail(message.envelope_from, [message.rcpt], message.data)
            raw_subject = message.data.split(b"\r\nSubject:", 1)[1].split(b"\r\n", 1)[0]
            assert raw_subject.isascii() and b"{{" not in raw_subject
            if reader.name and "ü" in reader.name:
                assert b"=?utf-8?q?J=C3=BCrgen" in raw_subject  # RFC 2047 encoded word
            assert dkim.verify(message.data, dnsfunc=dns)
    received = {rcpts[0]: msg for _, rcpts, msg in smtp.messages}
    expected = {
        "juergen@example.org": ("Jürgen", "Jürgen"),
        "anon@example.org": ("Kollegin, Kollege", "Liebe Forschende"),
        "ada@example.org": ("Ada", "Ada"),
    }
    for address, (subject_name, title_name) in expected.items():
        msg = received[address]
        assert str(msg["Subject"]).strip() == f"Hallo {subject_name}: Neues aus der Partnerschaft"
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert f"{title_name}, Ihre Förderung wartet" in text
        assert f"{title_name}, Ihre Förderung wartet" in html
        assert "{{" not in text and "MERGE" not in html


def test_subject_fill_is_precompiled_and_cheap(tmp_path: Path) -> None:
    """The per-recipient subject is a join plus a cached fold: no template engine per message."""
    skeleton = _skeleton(tmp_path)
    assert not skeleton.subject.constant and len(skeleton.subject.tags) == 1
    first = skeleton._subject_for("Jürgen Müller")
    assert skeleton._subject_for("Jürgen Schmidt") is first  # same first name: cached bytes


def test_unknown_placeholder_is_refused() -> None:
    """`{{ frist_name }}` is named in the refusal, at render time and for lint."""
    assert merge_tags.unknown_tags("Hallo {{ frist_name }}") == ["{{ frist_name }}"]
    spec = replace(sample_edition("de"), subject="Hallo {{ frist_name }}")
    with pytest.raises(InvalidInput, match="unknown placeholder"):
        render_edition(spec)

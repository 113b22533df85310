"""Finding 9, the gap: an answer held because it could not be authenticated is not lost.

On the old code a forged or unsigned answer to a hand-off was recorded on the stored message
and nobody heard of it; the inbox did not show it. Now (SMTP to the real receiver) it sits in
the thread as UNVERIFIED, the coordinator of record gets ONE signed notice through the outbox
(never the claimed From or the envelope sender), the subscriber gets nothing until a person
sends it, and a subscriber we must not mail never gets it even then.
"""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import dkim
import pytest
from sqlmodel import Session, select

from service.db import get_engine
from service.errors import InvalidInput
from service.inbox.unverified import decide_unverified
from service.mail.dkim_keys import write_demo_key
from service.models import AuditEvent, InquiryMessage, Subscriber
from service.models._common import utcnow
from service.settings import reset_settings
from tests.integration.mailcheck import dkim_txt
from tests.security.conftest import DkimZone, Inbound
from tests.security.test_answer_relay import COORD, _ask, _mail, _to_ada


@pytest.fixture
def signing(inbound: Inbound, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Our DKIM key for system mail; returns its DNS record."""
    key, record = write_demo_key(tmp_path, selector="nd2026", domain="news.partnership.example.org")
    monkeypatch.setenv("NEWSDESK_DKIM_PRIVATE_KEY_PATH", str(key))
    reset_settings()
    return dkim_txt(record)


def _to(inbound: Inbound, address: str) -> list[bytes]:
    return [m.data for m in inbound.capture.captured if m.rcpt_tos == [address]]


def _unverified() -> list[InquiryMessage]:
    with Session(get_engine()) as s:
        return list(s.exec(select(InquiryMessage).where(InquiryMessage.state == "unverified")))


def test_an_unauthenticated_answer_waits_in_the_inbox_and_its_coordinator_is_told_once(
    inbound: Inbound, dkim_zone: DkimZone, signing: bytes
) -> None:
    ada, answer_to = _ask(inbound)
    handoffs = len(_to(inbound, COORD))
    for n, envelope in enumerate([COORD, "evil@attacker.example", COORD], start=1):
        raw = _mail(sender=COORD, to=answer_to, text=f"Send your bank details ({n})", n=n)
        inbound.send(raw, mail_from=envelope, rcpt=answer_to)
    assert _to_ada(inbound) == []
    assert _to(inbound, "evil@attacker.example") == []  # no backscatter to the envelope
    notices = _to(inbound, COORD)[handoffs:]
    assert len(notices) == 1, "one notice while answers are pending, not one per forgery"
    assert dkim.verify(notices[0], dnsfunc=lambda name, timeout=5: signing)
    notice = email.message_from_bytes(notices[0], policy=email.policy.default)
    assert "Answer held: not authenticated" in notice["Subject"]
    assert notice["Auto-Submitted"] == "auto-generated" and notice["Reply-To"] is None
    text = notice.get_body(("plain",)).get_content()
    assert "could not be authenticated" in text and "/newsroom/inbox/" in text
    assert "bank details" not in text  # the forged words are not repeated in our signed mail
    held = _unverified()
    assert [e.body for e in held] == [f"Send your bank details ({n})" for n in (1, 2, 3)]
    assert all(e.hold_reason.startswith("held for the coordinator to confirm") for e in held)

    with Session(get_engine()) as s:  # a person decides: discard one, send another
        decide_unverified(s, inquiry_id=held[0].inquiry_id, entry_id=held[0].id or 0,
                          actor_id=None, send=False, now=utcnow())  # fmt: skip
        sent = decide_unverified(s, inquiry_id=held[1].inquiry_id, entry_id=held[1].id or 0,
                                 actor_id=None, send=True, now=utcnow())  # fmt: skip
        s.commit()
        assert sent.state == "queued"
        actions = s.exec(select(AuditEvent.action).where(AuditEvent.object_type == "inquiry"))
        assert sorted(actions) == ["unverified_answer.discarded", "unverified_answer.sent"]
    from workers.tasks.inbox import send_inquiry_answers

    send_inquiry_answers([held[1].id or 0])
    (relayed,) = _to_ada(inbound)
    assert b"bank details (2)" in relayed

    with Session(get_engine()) as s:  # blocklisted since: the last one can never be sent
        row = s.get(Subscriber, ada.id)
        assert row is not None
        row.status = "blocklisted"
        s.add(row)
        s.commit()
        with pytest.raises(InvalidInput):
            decide_unverified(s, inquiry_id=held[2].inquiry_id, entry_id=held[2].id or 0,
                              actor_id=None, send=True, now=utcnow())  # fmt: skip
    assert len(_to_ada(inbound)) == 1

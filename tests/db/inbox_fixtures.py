"""Builders for inbox tests: a Munich and a Chicago coordinator with deputies, replies, a clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from service.inbound.acting import effects
from service.inbound.acting.processing import Outcome, process_inbound
from service.inbox.clock import FixedClock
from service.models import Coordinator, Inquiry, TriageOwner
from service.settings import get_settings
from tests.db.inbound_fixtures import REPLY_DOMAIN, TestTokenDecoder, reply, store, world

DECODER = TestTokenDecoder()


AUTHSERV = "mx.test"  # the authserv-id of our MTA in front of the receiver


@dataclass
class InboxWorld:
    """The people and things inbox tests use."""

    session: Session
    clock: FixedClock
    subscriber_id: int
    stays: Coordinator  # Munich, deputy: deputy
    deputy: Coordinator
    chicago: Coordinator
    office: Coordinator  # the triage owner
    announcement_id: int

    def ask(self, text: str, *, announcement: bool = True, **headers: str) -> Outcome:
        """A subscriber's reply processed now (by the clock); committed."""
        token = f"c1s{self.subscriber_id}" + (f"a{self.announcement_id}" if announcement else "")
        to = f"reply+{token}@{REPLY_DOMAIN}"
        # from the subscriber the token names, checked by our MTA: what an acknowledgement
        # needs (issue 15, finding 10)
        headers.setdefault(
            "Authentication_Results", f"{AUTHSERV}; dmarc=pass header.from=uni.example"
        )
        raw = reply(text, to=to, **headers)
        stored = store(self.session, raw, to=[to], envelope_from="ada@uni.example")
        outcome = process_inbound(self.session, message_id=stored, decoder=DECODER)
        self.session.commit()
        return outcome

    def inquiry(self, inquiry_id: int | None) -> Inquiry:
        """A fresh copy of an inquiry."""
        assert inquiry_id is not None
        self.session.expire_all()
        found = self.session.get(Inquiry, inquiry_id)
        assert found is not None
        return found


def berlin(*args: int) -> datetime:
    """A Europe/Berlin wall-clock time as an aware datetime."""
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Europe/Berlin"))  # type: ignore[misc]


@pytest.fixture
def inbox(session: Session, monkeypatch: pytest.MonkeyPatch) -> InboxWorld:
    """world() plus a deputy, a Chicago coordinator, a triage owner and a clock processing uses."""
    sub, stays, office, ann = world(session)
    deputy = Coordinator(name="Deputy Dana", email="deputy@partner.example")
    chicago = Coordinator(name="Chicago Chris", email="chris@partner.example", calendar="chicago")
    session.add_all([deputy, chicago])
    session.flush()
    stays.deputy_id = deputy.id
    session.add_all([stays, TriageOwner(coordinator_id=office.id)])
    session.commit()
    clock = FixedClock(datetime(2026, 6, 3, 13, 0, tzinfo=UTC))  # Wed 15:00 in Munich
    monkeypatch.setattr(get_settings(), "trusted_authserv_ids", [AUTHSERV])  # our MTA
    monkeypatch.setattr(effects, "now", clock.now)
    assert sub.id is not None and ann.id is not None
    return InboxWorld(session, clock, sub.id, stays, deputy, chicago, office, ann.id)

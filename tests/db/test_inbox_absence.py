"""An absence sends new inquiries, reminders and warnings to the substitute; it ends on time."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlmodel import select

from service.errors import InvalidInput
from service.inbox.absence import set_absence
from service.models import AckLog
from tests.db.inbox_fixtures import InboxWorld, berlin
from tests.db.inbox_fixtures import inbox as inbox


def _absent(inbox: InboxWorld, until_hour: int = 8) -> None:
    """Stays is away Thu 4 June 08:00 to Mon 8 June 08:00; the Chicago colleague answers."""
    inbox.stays.send_acknowledgement = True
    inbox.session.add(inbox.stays)
    set_absence(inbox.session, coordinator_id=inbox.stays.id, substitute_id=inbox.chicago.id,
                starts_at=berlin(2026, 6, 4, 8).astimezone(UTC),
                ends_at=berlin(2026, 6, 8, until_hour).astimezone(UTC))  # fmt: skip
    inbox.session.commit()


def test_absence_reroutes_new_inquiries_and_ends_on_time(inbox: InboxWorld) -> None:
    _absent(inbox)
    before = inbox.ask("Vor der Abwesenheit")
    assert inbox.inquiry(before.inquiry_id).coordinator_id == inbox.stays.id
    inbox.clock.current = berlin(2026, 6, 5, 10).astimezone(UTC)
    for seen in inbox.session.exec(select(AckLog)):  # one acknowledgement a week per sender
        inbox.session.delete(seen)
    inbox.session.commit()
    during = inbox.ask("Während der Abwesenheit")
    row = inbox.inquiry(during.inquiry_id)
    assert (row.coordinator_id, row.intended_coordinator_id) == (inbox.chicago.id, inbox.stays.id)
    handoff, ack = during.outgoing
    assert handoff["To"].addresses[0].addr_spec == inbox.chicago.email
    assert "Ihre Frage beantwortet: Chicago Chris." in ack.get_content()  # subscriber reads German
    inbox.clock.current = berlin(2026, 6, 8, 7, 59).astimezone(UTC)
    last = inbox.ask("Kurz vor dem Ende")
    assert inbox.inquiry(last.inquiry_id).coordinator_id == inbox.chicago.id
    inbox.clock.current = berlin(2026, 6, 8, 8, 0).astimezone(UTC)  # the window has ended
    after = inbox.ask("Nach der Abwesenheit")
    assert inbox.inquiry(after.inquiry_id).coordinator_id == inbox.stays.id
    assert after.outgoing[0]["To"].addresses[0].addr_spec == inbox.stays.email


def test_reminders_and_warnings_go_to_the_substitute(inbox: InboxWorld) -> None:
    from service.inbound.acting.reminders import due_reminders
    from service.inbox.escalation import check_targets

    held = inbox.ask("Vorher gestellt")  # with stays, Wed 3 June 15:00, due Mon 15:00
    _absent(inbox, until_hour=13)
    reminders = due_reminders(inbox.session, now=inbox.clock.now() + timedelta(days=4))
    assert [m["To"].addresses[0].addr_spec for m in reminders] == [inbox.chicago.email]
    inbox.session.rollback()
    warned = check_targets(inbox.session, now=berlin(2026, 6, 5, 16, 30).astimezone(UTC))
    assert inbox.inquiry(held.inquiry_id).coordinator_id == inbox.stays.id  # still theirs
    assert [m["To"].addresses[0].addr_spec for m in warned] == []  # 6.5 h left: no warning yet
    warned = check_targets(inbox.session, now=berlin(2026, 6, 8, 12, 0).astimezone(UTC))
    assert [m["To"].addresses[0].addr_spec for m in warned] == [inbox.chicago.email]
    inbox.session.commit()
    missed = check_targets(inbox.session, now=berlin(2026, 6, 8, 15, 30).astimezone(UTC))
    assert [m["To"].addresses[0].addr_spec for m in missed] == [inbox.deputy.email]  # back, missed


def test_bad_absences_are_refused(inbox: InboxWorld) -> None:
    start = inbox.clock.now()
    with pytest.raises(InvalidInput, match="end after it starts"):
        set_absence(inbox.session, coordinator_id=inbox.stays.id, substitute_id=inbox.deputy.id,
                    starts_at=start, ends_at=start)  # fmt: skip
    with pytest.raises(InvalidInput, match="someone else"):
        set_absence(inbox.session, coordinator_id=inbox.stays.id, substitute_id=inbox.stays.id,
                    starts_at=start, ends_at=start + timedelta(days=1))  # fmt: skip

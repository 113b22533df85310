"""Warning before the target, escalation to the deputy when missed, then triage: once each."""

from __future__ import annotations

from datetime import UTC

from service.inbox.escalation import check_targets
from tests.db.inbox_fixtures import InboxWorld, berlin
from tests.db.inbox_fixtures import inbox as inbox


def _run_twice(inbox: InboxWorld, when) -> list:
    """check_targets at `when`, committed, then again: the second run must find nothing."""
    now = when.astimezone(UTC)
    mails = check_targets(inbox.session, now=now)
    inbox.session.commit()
    assert check_targets(inbox.session, now=now) == []
    inbox.session.commit()
    return mails


def _to(mails) -> list[str]:
    return [m["To"].addresses[0].addr_spec for m in mails]


def test_warning_escalation_and_triage_happen_once_each(inbox: InboxWorld) -> None:
    outcome = inbox.ask("Gibt es Reisekostenzuschüsse?")  # Wed 15:00, due Mon 8 June 15:00
    assert _run_twice(inbox, berlin(2026, 6, 5, 12, 0)) == []  # Fri noon: 11 h left
    warned = _run_twice(inbox, berlin(2026, 6, 8, 11, 30))  # Mon 11:30: 3.5 h left
    assert _to(warned) == [inbox.stays.email] and "Due soon" in warned[0]["Subject"]
    assert _run_twice(inbox, berlin(2026, 6, 8, 14, 0)) == []  # warned already, not yet due
    escalated = _run_twice(inbox, berlin(2026, 6, 8, 15, 30))  # missed
    assert _to(escalated) == [inbox.deputy.email]
    row = inbox.inquiry(outcome.inquiry_id)
    assert (row.coordinator_id, row.escalated_to_id) == (inbox.deputy.id, inbox.deputy.id)
    assert _run_twice(inbox, berlin(2026, 6, 9, 9, 0)) == []  # deputy's grace: 8 business hours
    triaged = _run_twice(inbox, berlin(2026, 6, 9, 15, 31))
    assert _to(triaged) == [inbox.office.email]
    row = inbox.inquiry(outcome.inquiry_id)
    assert (row.coordinator_id, row.routed_by, row.state) == (None, "triage", "forwarded")
    assert row.warned_at and row.escalated_at and row.triaged_at
    assert _run_twice(inbox, berlin(2026, 6, 30, 12, 0)) == []  # nothing ever again
    events = [e.body for e in __import__("service.inbox.thread", fromlist=["x"]).entries(
        inbox.session, inquiry_id=row.id) if e.kind == "event"]  # fmt: skip
    assert sum("Warning" in e for e in events) == 1
    assert sum("escalated to the deputy" in e for e in events) == 1
    assert sum("moved to triage" in e for e in events) == 1


def test_answered_inquiry_is_never_escalated(inbox: InboxWorld) -> None:
    from service.inbox.answers import Author, answer

    outcome = inbox.ask("Frage")
    answer(inbox.session, inquiry_id=outcome.inquiry_id, author=Author("Stays",
           coordinator_id=inbox.stays.id), body="Antwort", now=inbox.clock.now())  # fmt: skip
    inbox.session.commit()
    assert _run_twice(inbox, berlin(2026, 6, 20, 12, 0)) == []


def test_without_a_deputy_a_missed_target_goes_to_triage(inbox: InboxWorld) -> None:
    inbox.stays.deputy_id = None
    inbox.session.add(inbox.stays)
    inbox.session.commit()
    outcome = inbox.ask("Frage ohne Vertretung")
    missed = _run_twice(inbox, berlin(2026, 6, 8, 16, 0))
    assert _to(missed) == [inbox.office.email]
    assert inbox.inquiry(outcome.inquiry_id).coordinator_id is None

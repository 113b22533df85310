"""Triage: owners (named people, roles) notified, the subscriber acknowledged, proposals made."""

from __future__ import annotations

import pytest

from service.accounts.users import create_user
from service.inbox.answers import Author
from service.inbox.lifecycle import assign_announcement
from service.models import Announcement, Coordinator
from service.settings import get_settings
from tests.db.inbox_fixtures import InboxWorld
from tests.db.inbox_fixtures import inbox as inbox


def _conference(inbox: InboxWorld) -> Announcement:
    office = Coordinator(name="Conference office", email="conf@partner.example")
    inbox.session.add(office)
    inbox.session.flush()
    ann = Announcement(
        slug="lung-conference",
        title_en="Call for contributions: Munich-Chicago lung conference",
        title_de="Beiträge gesucht: Lungenkonferenz München-Chicago",
        body_de="Reichen Sie Poster und Vorträge ein; Einreichungsfrist für Abstracts im März.",
        coordinator_id=office.id,
    )
    inbox.session.add(ann)
    inbox.session.commit()
    return ann


def test_unplaced_reply_goes_to_triage_owners_with_proposals(
    inbox: InboxWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    conference = _conference(inbox)
    create_user(
        inbox.session,
        email="approver@newsroom.example.org",
        display_name="Ann Prover",
        role="approver",
        password="a-long-password-123",
    )
    inbox.session.commit()
    monkeypatch.setattr(get_settings(), "triage_owner_roles", ["approver"])
    outcome = inbox.ask(
        "Bis wann kann ich mein Poster und den Abstract einreichen?", announcement=False
    )
    row = inbox.inquiry(outcome.inquiry_id)
    assert (outcome.action, row.coordinator_id, row.routed_by) == ("triage", None, "triage")
    assert row.proposals[0] == conference.id  # the reply's words match the conference item
    recipients = [m["To"].addresses[0].addr_spec for m in outcome.outgoing]
    assert recipients == [
        inbox.office.email,
        "approver@newsroom.example.org",
        "ada@uni.example",
    ]  # the ack: the authenticated subscriber
    assert outcome.outgoing[-1]["Auto-Submitted"] == "auto-replied"  # acknowledged as any inquiry
    mails = assign_announcement(
        inbox.session,
        inquiry_id=row.id,
        announcement_id=conference.id,
        by=Author("Ann Prover", user_id=1),
        now=inbox.clock.now(),
    )
    inbox.session.commit()
    placed = inbox.inquiry(row.id)
    assert placed.coordinator_id == conference.coordinator_id and placed.routed_by == "assigned"
    assert [m["To"].addresses[0].addr_spec for m in mails] == ["conf@partner.example"]
    assert placed.due_at is not None and placed.target_s == 16 * 3600

"""The response clock counts business hours of the office calendar; waiting stops it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.inbox import sla
from service.inbox.answers import Author, answer
from service.inbox.clock import add_business_seconds, business_seconds, calendar_for
from tests.db.inbox_fixtures import InboxWorld, berlin
from tests.db.inbox_fixtures import inbox as inbox

HOUR = 3600


def test_bavarian_holiday_and_weekend_are_not_counted() -> None:
    munich = calendar_for("munich")
    start = berlin(2026, 6, 3, 15, 0)  # Wednesday; Thursday 4 June is Corpus Christi (Bavaria)
    due = add_business_seconds(munich, start, 16 * HOUR)  # two working days
    # Wed 2 h + Fri 8 h + Mon 6 h: Thursday (holiday), Saturday and Sunday count nothing
    assert due == berlin(2026, 6, 8, 15, 0)
    assert business_seconds(munich, start, due) == 16 * HOUR
    assert business_seconds(munich, berlin(2026, 6, 4, 9), berlin(2026, 6, 4, 17)) == 0
    assert business_seconds(munich, berlin(2026, 6, 6, 0), berlin(2026, 6, 8, 0)) == 0


def test_chicago_counts_in_its_own_zone_and_federal_holidays() -> None:
    chicago = calendar_for("chicago")
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("America/Chicago")
    start = datetime(2026, 6, 3, 15, 0, tzinfo=tz)  # Corpus Christi is a working day there
    assert add_business_seconds(chicago, start, 16 * HOUR) == datetime(2026, 6, 5, 15, tzinfo=tz)
    friday = datetime(2026, 7, 2, 15, 0, tzinfo=tz)  # Friday 3 July: Independence Day observed
    assert add_business_seconds(chicago, friday, 16 * HOUR) == datetime(2026, 7, 7, 15, tzinfo=tz)


def test_inquiry_target_crossing_holiday_and_weekend(inbox: InboxWorld) -> None:
    outcome = inbox.ask("Wie bewerbe ich mich?")
    inquiry = inbox.inquiry(outcome.inquiry_id)
    assert (inquiry.coordinator_id, inquiry.routed_by) == (inbox.stays.id, "reply_token")
    assert inquiry.target_s == 16 * HOUR
    assert inquiry.due_at.astimezone(UTC) == berlin(2026, 6, 8, 15, 0).astimezone(UTC)
    munich = calendar_for("munich")
    friday_evening = berlin(2026, 6, 5, 17, 0)
    assert sla.time_left(inquiry, munich, friday_evening) == 6 * HOUR
    tuesday = berlin(2026, 6, 9, 10, 0)  # overdue by Monday 15-17 and Tuesday 9-10
    assert sla.time_left(inquiry, munich, tuesday) == -3 * HOUR


def test_clock_stops_while_waiting_for_the_subscriber(inbox: InboxWorld) -> None:
    outcome = inbox.ask("Welche Unterlagen brauche ich?")
    asked = Author("Research stays", coordinator_id=inbox.stays.id)
    inbox.clock.current = berlin(2026, 6, 3, 16, 0).astimezone(UTC)  # 1 business hour used
    entry = answer(inbox.session, inquiry_id=outcome.inquiry_id, author=asked,
                   body="Welches Jahr meinen Sie?", now=inbox.clock.now(),
                   wait_for_subscriber=True)  # fmt: skip
    inbox.session.commit()
    waiting = inbox.inquiry(outcome.inquiry_id)
    assert (waiting.state, waiting.due_at, waiting.clock_used_s) == ("waiting", None, HOUR)
    # A week later the subscriber answers (threaded under our question): 15 hours are left
    inbox.clock.current = berlin(2026, 6, 10, 9, 0).astimezone(UTC)
    follow = inbox.ask("2027, bitte.", In_Reply_To=entry.message_id)
    assert (follow.action, follow.inquiry_id) == ("follow-up", outcome.inquiry_id)
    resumed = inbox.inquiry(outcome.inquiry_id)
    assert resumed.state == "forwarded"
    assert resumed.due_at.astimezone(UTC) == berlin(2026, 6, 11, 16, 0).astimezone(UTC)
    assert resumed.first_answer_s == HOUR


def test_reassigning_to_chicago_continues_in_chicago_hours(inbox: InboxWorld) -> None:
    from service.inbox.lifecycle import reassign

    outcome = inbox.ask("Is there housing?")
    inbox.clock.advance(hours=1)  # Wed 16:00 Munich: one business hour used
    mails = reassign(inbox.session, inquiry_id=outcome.inquiry_id, coordinator_id=inbox.chicago.id,
                     note="Chicago knows the housing office", by=Author("Admin"),
                     now=inbox.clock.now())  # fmt: skip
    inbox.session.commit()
    moved = inbox.inquiry(outcome.inquiry_id)
    assert [m["To"].addresses[0].addr_spec for m in mails] == [inbox.chicago.email]
    assert moved.clock_used_s == HOUR and moved.routed_by == "assigned"
    from zoneinfo import ZoneInfo

    chicago_now = inbox.clock.now().astimezone(ZoneInfo("America/Chicago"))  # Wed 09:00 there
    assert chicago_now.hour == 9
    expected = chicago_now + timedelta(days=1, hours=7)  # 8 h Wed + 7 h Thu = 15 h left
    assert moved.due_at.astimezone(UTC) == expected.astimezone(UTC)

"""Welcome series in the database, both dialects: confirmation enrols, steps queue in order
after their delay, a departed subscriber gets no further step, a re-run inserts nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from service.addressing.tokens import codec
from service.audience.doi_mail import epoch_day
from service.audience.subscribe import confirm
from service.audience.withdrawal import set_membership
from service.automation import admin, triggers, welcome
from service.domain.addresses import email_hash
from service.errors import InvalidInput, StaleWrite
from service.models import AuditEvent, Delivery, Edition, Subscriber, WelcomeEnrolment
from service.models._common import utcnow
from service.settings import get_settings
from tests.support.audience import hold_lists


def _confirmed(session: Session, address: str) -> Subscriber:
    row = Subscriber(email=address, email_hash=email_hash(address, get_settings().secret_bytes))
    session.add(row)
    hold_lists(session, [row], ["newsletter"])  # consent is per list: the series' list
    assert row.id is not None
    confirm(session, token=codec().confirm(row.id, epoch_day(utcnow())))
    return row


def _tick(session: Session, now):  # type: ignore[no-untyped-def]
    triggers.handle_pending(session, now=now)
    welcome.stop_departed(session, now=now)
    work = welcome.queue_due_steps(session, now=now, settings=get_settings())
    session.commit()
    return work


def _mark_sent(session: Session) -> None:
    session.execute(sa.update(Delivery).values(status="sent"))
    session.commit()


def test_steps_in_order_after_their_delay_and_departures_stop(session: Session) -> None:
    series = admin.save_series(session, name="Welcome", list_slug="newsletter", language="en")
    assert series.id is not None
    admin.save_step(
        session,
        series_id=series.id,
        position=1,
        delay_minutes=0,
        subject="Welcome",
        body="Hello from {{ list_name }}.",
    )
    admin.save_step(
        session,
        series_id=series.id,
        position=2,
        delay_minutes=60 * 72,
        subject="Whom to ask",
        body="Write to a coordinator.",
    )
    stays, leaves = _confirmed(session, "stays@x.org"), _confirmed(session, "leaves@x.org")
    session.commit()
    now = utcnow()
    first = _tick(session, now)
    assert [len(w.ranges) for w in first] == [1]
    assert _tick(session, now) == []  # nothing twice
    assert _tick(session, now + timedelta(days=4)) == []  # step 1 not sent yet: step 2 waits
    _mark_sent(session)
    set_membership(session, subscriber=leaves, list_slug="newsletter", active=False, now=now)
    session.commit()
    second = _tick(session, now + timedelta(days=4))
    assert [len(w.ranges) for w in second] == [1]
    rows = session.exec(select(Delivery.subscriber_id, Delivery.campaign_id)).all()
    assert sorted(s for s, _ in rows) == sorted([stays.id, leaves.id, stays.id])
    stopped = session.exec(
        select(WelcomeEnrolment).where(WelcomeEnrolment.subscriber_id == leaves.id)
    ).one()
    assert stopped.stopped_at is not None
    editions = session.exec(select(Edition)).all()
    assert {e.key for e in editions} == {"en:0"} and "Hello from" in editions[0].html
    with pytest.raises(InvalidInput, match="a step needs a subject"):
        admin.save_step(
            session, series_id=series.id, position=1, delay_minutes=0, subject=" ", body=""
        )


def test_a_sent_step_is_edited_for_future_sends_only(session: Session) -> None:
    series = admin.save_series(session, name="Welcome", list_slug="newsletter", language="en")
    assert series.id is not None
    admin.save_step(
        session, series_id=series.id, position=1, delay_minutes=0, subject="Hi", body="Old text."
    )
    early = _confirmed(session, "early@x.org")
    session.commit()
    now = utcnow()
    _tick(session, now)
    _mark_sent(session)
    sent_before = session.exec(select(Delivery)).one()
    old_edition = session.exec(select(Edition)).one()
    waiting = _confirmed(session, "waiting@x.org")  # queued, not claimed yet, when edited
    session.commit()
    _tick(session, now)
    stale = series.version - 1
    with pytest.raises(StaleWrite):
        admin.save_step(
            session,
            series_id=series.id,
            position=1,
            delay_minutes=0,
            subject="X",
            body="",
            version=stale,
        )
    session.rollback()
    step = admin.save_step(
        session,
        series_id=series.id,
        position=1,
        delay_minutes=0,
        subject="Hello again",
        body="New text.",
        version=series.version,
    )
    late = _confirmed(session, "late@x.org")
    session.commit()
    _tick(session, now + timedelta(minutes=1))
    rows = {d.subscriber_id: d for d in session.exec(select(Delivery))}
    assert set(rows) == {early.id, waiting.id, late.id}  # early does not get it again
    assert rows[waiting.id].edition_key == "en:0@1" and rows[waiting.id].status == "queued"
    assert rows[early.id].edition_key == "en:0" and rows[early.id].status == "sent"
    assert rows[early.id].sent_at == sent_before.sent_at
    assert rows[late.id].edition_key == "en:0@1"
    editions = {e.key: e for e in session.exec(select(Edition))}
    assert editions["en:0"].html == old_edition.html and "Old text." in editions["en:0"].html
    assert "New text." in editions["en:0@1"].html and editions["en:0@1"].subject == "Hello again"
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "welcome_step.edit")).one()
    assert audit.object_id == str(step.id)

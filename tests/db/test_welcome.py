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
from service.errors import InvalidInput
from service.models import Delivery, Edition, Subscriber, WelcomeEnrolment
from service.models._common import utcnow
from service.settings import get_settings


def _confirmed(session: Session, address: str) -> Subscriber:
    row = Subscriber(email=address, email_hash=email_hash(address, get_settings().secret_bytes))
    session.add(row)
    session.flush()
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
    with pytest.raises(InvalidInput, match="sent already"):  # texts are kept as sent
        admin.save_step(
            session, series_id=series.id, position=1, delay_minutes=0, subject="Changed", body=""
        )

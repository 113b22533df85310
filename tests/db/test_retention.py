"""Retention clears old tracking IPs and unlinks old events from people."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from service.audience.retention import apply_retention
from service.models import TrackingEvent
from service.models._common import utcnow
from tests.db.public_helpers import add_campaign, add_subscriber


def test_D5_retention_periods(session: Session) -> None:
    """A 31-day-old event loses its IP, a 401-day-old one also its subscriber link."""
    sub = add_subscriber(session, "r@x.org")
    campaign = add_campaign(session)
    now = utcnow()
    for age in (1, 31, 401):
        session.add(
            TrackingEvent(
                campaign_id=campaign.id,
                subscriber_id=sub.id,
                kind="open",
                ip="198.51.100.1",
                user_agent="UA",
                occurred_at=now - timedelta(days=age),
            )
        )
    session.commit()
    assert apply_retention(session, now=now) == {"ips_cleared": 2, "events_unlinked": 1}
    session.commit()
    rows = session.exec(select(TrackingEvent).order_by(TrackingEvent.id)).all()
    assert [(r.ip, r.subscriber_id, r.user_agent) for r in rows] == [
        ("198.51.100.1", sub.id, "UA"),
        (None, sub.id, "UA"),
        (None, None, ""),
    ]

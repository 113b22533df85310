"""The daily beat task purges stale unconfirmed signups and applies retention."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from service.domain.addresses import email_hash
from service.models import Subscriber
from service.models._common import utcnow
from service.settings import get_settings
from workers.tasks.maintenance import daily_upkeep


def test_daily_upkeep_purges_unconfirmed_signups_past_the_period(session: Session) -> None:
    secret = get_settings().secret_bytes
    old = utcnow() - timedelta(days=get_settings().purge_unconfirmed_days + 1)
    for email, created in (("stale@example.org", old), ("fresh@example.org", utcnow())):
        session.add(
            Subscriber(email=email, email_hash=email_hash(email, secret), created_at=created)
        )
    session.commit()
    result = daily_upkeep.run()
    assert result["purged"] == 1
    session.expire_all()
    assert [s.email for s in session.exec(select(Subscriber))] == ["fresh@example.org"]

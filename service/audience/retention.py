"""Retention: tracking IPs are dropped after a while, old events lose their link to a person.

Anonymous rows (campaign, kind, link, machine flag, time) stay, so campaign statistics survive.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from service.models._common import table_of, utcnow
from service.models.tracking import TrackingEvent
from service.settings import get_settings

event_t: sa.Table = table_of(TrackingEvent)


def apply_retention(session: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Clear IPs after tracking_ip_retention_days; unlink events after the event period."""
    settings = get_settings()
    now = now or utcnow()
    ip_cutoff = now - timedelta(days=settings.tracking_ip_retention_days)
    link_cutoff = now - timedelta(days=settings.tracking_event_retention_days)
    c = event_t.c
    ips = session.execute(
        sa.update(event_t).where(c.occurred_at < ip_cutoff, c.ip.is_not(None)).values(ip=None)
    )
    unlinked = session.execute(
        sa.update(event_t)
        .where(c.occurred_at < link_cutoff, c.subscriber_id.is_not(None))
        .values(subscriber_id=None, user_agent="")
    )
    session.flush()
    return {"ips_cleared": _count(ips), "events_unlinked": _count(unlinked)}


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)

"""Complaint rates per campaign and per day, and the gate before the next campaign (F4).

The rate is user-reported complaints (ARF reports other than opt-outs) over delivered messages
(deliveries the relay accepted). Gmail asks to stay under 0.1% and never reach 0.3%, and
lifts its mitigation only after 7 consecutive days under 0.3%; so the gate warns above
`complaint_warn_rate` and blocks scheduling while the latest campaign, or any of the last
`complaint_clear_days` days, is at or above `complaint_block_rate`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.models import Campaign, ComplaintEvent, Delivery, DeliveryStatus
from service.models._common import utcnow
from service.models.campaign import CampaignStatus
from service.settings import get_settings

log = logging.getLogger(__name__)
OK, WARN, BLOCK = "ok", "warn", "block"
_SENT_STATES = [CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT]


@dataclass(frozen=True)
class ComplaintRate:
    """Complaints over delivered for one campaign (key: its id) or one UTC day (key: the date)."""

    key: int | date
    complaints: int
    delivered: int

    @property
    def rate(self) -> float:
        """complaints / delivered; 0.0 before anything was delivered."""
        return self.complaints / self.delivered if self.delivered else 0.0

    @property
    def level(self) -> str:
        """ok, warn (above the warning rate) or block (at or above the blocking rate)."""
        return level_of(self.rate)


@dataclass(frozen=True)
class GateResult:
    """Whether the next campaign may be scheduled, and the figures that decided it."""

    allowed: bool
    level: str
    reason: str
    campaign: ComplaintRate | None = None
    days: list[ComplaintRate] = field(default_factory=list)


def level_of(rate: float) -> str:
    """The F4 level of a complaint rate under the configured thresholds."""
    settings = get_settings()
    if rate >= settings.complaint_block_rate:
        return BLOCK
    return WARN if rate > settings.complaint_warn_rate else OK


def campaign_rates(session: Session, *, campaign_ids: Iterable[int]) -> list[ComplaintRate]:
    """The complaint rate of each campaign, in the order given."""
    ids = list(campaign_ids)
    if not ids:
        return []
    complaints = _counts(
        session,
        select(col(ComplaintEvent.campaign_id), sa.func.count())
        .where(col(ComplaintEvent.campaign_id).in_(ids))
        .group_by(col(ComplaintEvent.campaign_id)),
    )
    delivered = _counts(
        session,
        select(col(Delivery.campaign_id), sa.func.count())
        .where(col(Delivery.campaign_id).in_(ids), Delivery.status == DeliveryStatus.SENT)
        .group_by(col(Delivery.campaign_id)),
    )
    return [ComplaintRate(i, complaints.get(i, 0), delivered.get(i, 0)) for i in ids]


def daily_rates(session: Session, *, since: date, until: date) -> list[ComplaintRate]:
    """One rate per UTC day from `since` to `until` inclusive (complaints by arrival day)."""
    start = datetime.combine(since, datetime.min.time(), UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC)
    received = col(ComplaintEvent.received_at)
    sent_at = col(Delivery.sent_at)
    complaints = _counts(
        session,
        select(_utc_day(session, received), sa.func.count())
        .where(received >= start, received < end)
        .group_by(_utc_day(session, received)),
    )
    delivered = _counts(
        session,
        select(_utc_day(session, sent_at), sa.func.count())
        .where(Delivery.status == DeliveryStatus.SENT, sent_at >= start, sent_at < end)
        .group_by(_utc_day(session, sent_at)),
    )
    days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
    return [ComplaintRate(d, complaints.get(d, 0), delivered.get(d, 0)) for d in days]


def complaint_gate(session: Session, *, now: datetime | None = None) -> GateResult:
    """May the next campaign be scheduled? Blocked at or above the blocking rate (F4)."""
    now = now or utcnow()
    today = now.astimezone(UTC).date()
    window = get_settings().complaint_clear_days
    days = daily_rates(session, since=today - timedelta(days=window - 1), until=today)
    result = _decide(_latest_campaign_rate(session), days)
    if result.level != OK:
        log.warning("complaint gate: %s", result.reason)
    return result


def _decide(latest: ComplaintRate | None, days: list[ComplaintRate]) -> GateResult:
    """Block on the latest campaign or any day in the window; warn likewise; else ok."""
    settings = get_settings()
    worst_day = max(days, key=lambda d: d.rate)
    if latest is not None and latest.level == BLOCK:
        reason = f"campaign {latest.key} complaint rate {latest.rate:.2%} is at or above {_limit()}"
        return GateResult(False, BLOCK, reason, latest, days)
    if worst_day.level == BLOCK:
        reason = (
            f"complaint rate {worst_day.rate:.2%} on {worst_day.key} is at or above {_limit()};"
            f" {settings.complaint_clear_days} consecutive days under it are needed"
        )
        return GateResult(False, BLOCK, reason, latest, days)
    rate = max(latest.rate if latest else 0.0, worst_day.rate)
    if level_of(rate) == WARN:
        reason = f"complaint rate {rate:.2%} is above {settings.complaint_warn_rate:.1%}"
        return GateResult(True, WARN, reason, latest, days)
    return GateResult(True, OK, "complaint rates are below the warning level", latest, days)


def _latest_campaign_rate(session: Session) -> ComplaintRate | None:
    """The rate of the most recently started campaign that delivered anything."""
    recent = session.exec(
        select(col(Campaign.id))
        .where(col(Campaign.status).in_(_SENT_STATES), col(Campaign.started_at).is_not(None))
        .order_by(col(Campaign.started_at).desc(), col(Campaign.id).desc())
        .limit(20)
    ).all()
    rates = [
        r for r in campaign_rates(session, campaign_ids=[i for i in recent if i]) if r.delivered
    ]
    return rates[0] if rates else None


def _limit() -> str:
    """The blocking rate as text."""
    return f"{get_settings().complaint_block_rate:.1%}"


def _utc_day(session: Session, column: Any) -> Any:
    """The UTC calendar day of a timestamp column, on SQLite (naive UTC text) and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        # inlined, not bound: GROUP BY must repeat the SELECT expression exactly
        return sa.func.date(sa.func.timezone(sa.literal_column("'UTC'"), column))
    return sa.func.date(column)


def _counts(session: Session, stmt: Any) -> dict[Any, int]:
    """{key: count} from a two-column GROUP BY; SQLite's text days become dates."""
    out: dict[Any, int] = {}
    for key, count in session.exec(stmt).all():
        out[date.fromisoformat(key) if isinstance(key, str) else key] = int(count)
    return out

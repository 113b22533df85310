"""Figures across campaigns: the last N campaigns that started sending, with their rates.

Rates are over delivered messages (human opens and clicks are unique readers); the complaint
rate is set against the 0.3% limit of STANDARDS F4, which blocks the next campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from service.models import Campaign
from service.reports.figures import campaign_totals

COMPLAINT_LIMIT = 0.003


@dataclass(frozen=True)
class CampaignTrend:
    """One campaign's headline rates."""

    id: int
    name: str
    started_at: datetime | None
    sent: int
    delivered: int
    delivery_rate: float
    open_rate: float
    click_rate: float
    unsubscribes: int
    complaint_rate: float

    @property
    def over_limit(self) -> bool:
        """At or above the complaint limit."""
        return self.complaint_rate >= COMPLAINT_LIMIT


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def recent_trends(session: Session, *, limit: int = 12) -> list[CampaignTrend]:
    """The last `limit` campaigns that started sending, oldest first (for a time axis)."""
    rows = session.exec(
        select(Campaign)
        .where(col(Campaign.started_at).is_not(None))
        .order_by(col(Campaign.started_at).desc(), col(Campaign.id).desc())
        .limit(limit)
    ).all()
    totals = campaign_totals(session, campaigns=rows)  # one grouped query per source for all
    trends = []
    for campaign in reversed(rows):
        assert campaign.id is not None
        _, t, _ = totals[campaign.id]
        trends.append(
            CampaignTrend(
                campaign.id,
                campaign.name,
                campaign.started_at,
                t.sent,
                t.delivered,
                _share(t.delivered, t.sent),
                _share(t.unique_human_opens, t.delivered),
                _share(t.unique_clicks, t.delivered),
                t.unsubscribes,
                _share(t.complaints, t.delivered),
            )
        )
    return trends

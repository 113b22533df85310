"""The newsroom dashboard's read model: running, scheduled and recently sent campaigns, inquiries.

Figures come from the same functions as the CLI and API (campaign_totals, the headline part of
campaign_report; status_counts; per_coordinator), so the dashboard never disagrees with a report;
the report's links, series and per-segment figures (a rule evaluation over every subscriber) are
not computed for the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.campaigns.dispatch import status_counts
from service.inbound.acting.inquiries import OPEN_STATES, per_coordinator
from service.models import Campaign, Delivery
from service.models._common import utcnow
from service.models.campaign import CampaignStatus
from service.reports.figures import campaign_totals

RATE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class Running:
    """A campaign being sent, with what a progress bar needs."""

    id: int
    name: str
    status: str
    done: int
    total: int
    failed: int
    per_minute: int  # messages marked sent in the last minute
    eta_minutes: int | None

    @property
    def share(self) -> float:
        """Done / total (0 when nothing is planned yet)."""
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class Sent:
    """A finished campaign and its headline figures."""

    id: int
    name: str
    finished_at: datetime | None
    delivered: int
    human_opens: int
    clicks: int
    bounces: int
    complaints: int
    unsubscribes: int
    replies: int


def running_one(session: Session, *, campaign: Campaign) -> Running:
    """Progress of one campaign."""
    assert campaign.id is not None
    counts = status_counts(session, campaign_id=campaign.id)
    done = sum(counts.get(k, 0) for k in ("sent", "failed", "skipped"))
    total = sum(counts.values())
    recent = session.exec(
        select(sa.func.count())
        .select_from(Delivery)
        .where(Delivery.campaign_id == campaign.id, col(Delivery.sent_at) >= utcnow() - RATE_WINDOW)
    ).one()
    left = total - done
    eta = -(-left // recent) if recent and left else (0 if total and not left else None)
    return Running(
        campaign.id,
        campaign.name,
        campaign.status,
        done,
        total,
        counts.get("failed", 0),
        recent,
        eta,
    )


def running(session: Session) -> list[Running]:
    """Campaigns sending or paused mid-send."""
    rows = session.exec(
        select(Campaign)
        .where(col(Campaign.status).in_([CampaignStatus.SENDING, CampaignStatus.PAUSED]))
        # welcome-series steps stay in `sending` for good: they are automations, not sends
        .where(col(Campaign.cadence) != "series")
        .order_by(col(Campaign.started_at), col(Campaign.id))
    ).all()
    return [running_one(session, campaign=c) for c in rows]


def scheduled(session: Session, *, start: datetime, end: datetime) -> list[Campaign]:
    """Scheduled campaigns whose send time falls in [start, end)."""
    return list(
        session.exec(
            select(Campaign)
            .where(
                Campaign.status == CampaignStatus.SCHEDULED,
                col(Campaign.send_at) >= start,
                col(Campaign.send_at) < end,
            )
            .order_by(col(Campaign.send_at))
        ).all()
    )


def recently_sent(session: Session, *, limit: int = 5) -> list[Sent]:
    """The last finished campaigns with delivered, opens, clicks, bounces, complaints..."""
    rows = session.exec(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.SENT)
        .order_by(col(Campaign.finished_at).desc(), col(Campaign.id).desc())
        .limit(limit)
    ).all()
    totals = campaign_totals(session, campaigns=rows)  # one grouped query per source for all
    result = []
    for campaign in rows:
        assert campaign.id is not None
        _, t, _ = totals[campaign.id]
        result.append(
            Sent(
                campaign.id,
                campaign.name,
                campaign.finished_at,
                t.delivered,
                t.unique_human_opens,
                t.unique_clicks,
                t.hard_bounces + t.soft_bounces,
                t.complaints,
                t.unsubscribes,
                sum(per_coordinator(session, campaign_id=campaign.id).values()),
            )
        )
    return result


def inquiries_waiting(session: Session) -> dict[str, int]:
    """Open inquiries per coordinator name ("triage" = not routed)."""
    return dict(sorted(per_coordinator(session, states=OPEN_STATES).items()))

"""The dashboard's and trends' fast path (headline figures only) equals the full report."""

from __future__ import annotations

from sqlmodel import Session

from service.models import Campaign, Coordinator, Inquiry
from service.models._common import utcnow
from service.reports.campaign import campaign_report
from service.reports.dashboard import recently_sent
from service.reports.trends import recent_trends
from tests.db.test_tracking_reports import _scenario


def _finished_campaign(session: Session) -> int:
    """Deliveries, bounces (hard, soft), opens, clicks, a complaint, an unsubscribe, replies."""
    cid = _scenario(session)
    office = Coordinator(name="Research Stay Coordinator", email="stays@example.edu")
    session.add(office)
    session.flush()
    for coordinator in (office.id, office.id, None):
        session.add(Inquiry(campaign_id=cid, coordinator_id=coordinator))
    campaign = session.get(Campaign, cid)
    assert campaign is not None
    campaign.status = "sent"
    campaign.started_at = campaign.finished_at = utcnow()
    session.commit()
    return cid


def test_dashboard_figures_equal_the_full_report(session: Session) -> None:
    cid = _finished_campaign(session)
    report = campaign_report(session, campaign_id=cid)
    t = report.total
    [shown] = [s for s in recently_sent(session) if s.id == cid]
    fast = (shown.delivered, shown.human_opens, shown.clicks, shown.bounces, shown.complaints,
            shown.unsubscribes, shown.replies)  # fmt: skip
    full = (t.delivered, t.unique_human_opens, t.unique_clicks, t.hard_bounces + t.soft_bounces,
            t.complaints, t.unsubscribes, sum(report.replies.values()))  # fmt: skip
    assert fast == full == (4, 2, 2, 2, 1, 1, 3)


def test_trend_figures_equal_the_full_report(session: Session) -> None:
    cid = _finished_campaign(session)
    t = campaign_report(session, campaign_id=cid).total
    [trend] = [r for r in recent_trends(session) if r.id == cid]
    assert (trend.sent, trend.delivered, trend.unsubscribes) == (t.sent, t.delivered, 1)
    assert trend.complaint_rate == t.complaints / t.delivered > 0
    assert trend.open_rate == t.unique_human_opens / t.delivered > 0

"""A preview that holds no items says why, through the API and the CLI."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.models import Announcement, ApprovalState, Campaign
from service.models._common import utcnow
from tests.db.test_lint_report import _newsdesk, _seeded


def test_empty_preview_names_each_reason(session: Session) -> None:
    campaign_id = _seeded(session)
    rows = {a.slug: a for a in session.exec(select(Announcement))}
    rows["mou-signed"].approval = ApprovalState.DRAFT
    rows["research-stays"].valid_until = utcnow() - timedelta(days=3)
    rows["seed-funding"].valid_from = utcnow() + timedelta(days=30)
    session.add_all(rows.values())
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    campaign.send_at = None
    session.add(campaign)
    session.commit()

    client = TestClient(create_app())
    response = client.get(
        f"/api/campaigns/{campaign_id}/preview", params={"segment": "early-career", "lang": "en"}
    )
    assert response.status_code == 200 and response.headers["x-newsdesk-empty-reasons"] == "5"
    page = response.text
    assert "is still a draft: approve it to include it." in page
    assert "Research stays at the Chicago medical school: apply now” expired on" in page
    assert "Bavarian seed funding" in page and "is valid only from" in page
    assert "does not target the segment “early-career”" in page

    result = _newsdesk("edition", "preview", str(campaign_id), "--segment", "pis", "--lang", "de")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nothing to preview (pis, de)" in result.stdout
    assert "„München und Chicago unterzeichnen" not in result.stdout  # operator language: en
    assert "does not target the segment “pis”" in result.stdout


def test_only_the_picked_announcements_are_explained(session: Session) -> None:
    """With picks, the reasons name only the announcements the team chose for the campaign."""
    from service.campaigns.empty_reasons import empty_reasons
    from service.campaigns.picks import set_picks

    campaign_id = _seeded(session)
    mou = session.exec(select(Announcement).where(Announcement.slug == "mou-signed")).one()
    assert mou.id is not None
    mou.approval = ApprovalState.DRAFT
    session.add(mou)
    set_picks(session, campaign_id=campaign_id, announcement_ids=[mou.id])
    session.commit()
    reasons = empty_reasons(session, campaign_id=campaign_id, segment_slug=None, language="en")
    assert len(reasons) == 1 and "is still a draft" in reasons[0]

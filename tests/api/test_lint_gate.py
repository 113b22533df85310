"""The lint gate: errors in any previewable edition block scheduling and show in the preview."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.campaigns.linting import lint_campaign
from service.demo.seed import seed
from service.models import Announcement, Campaign
from service.settings import get_settings

# Plain paragraphs, so Markdown keeps the size: ~130 KB of body pushes the edition past 100 KB.
HUGE_BODY = "\n\n".join(f"Paragraph {i}: " + "lung atlas data " * 50 for i in range(160))


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    seed(session, secret=get_settings().secret_bytes, subscribers=20)
    session.commit()
    with TestClient(create_app()) as test_client:
        yield test_client


def _campaign_id(session: Session) -> int:
    campaign_id = session.exec(select(Campaign.id)).one()
    assert campaign_id is not None
    return campaign_id


def _bloat_lung_call(session: Session) -> None:
    """Only the lung call grows: editions without it stay clean."""
    row = session.exec(
        select(Announcement).where(Announcement.slug == "lung-conference-call")
    ).one()
    row.body_en = HUGE_BODY
    session.add(row)
    session.commit()


def test_demo_campaign_lints_without_errors(client: TestClient, session: Session) -> None:
    campaign_id = _campaign_id(session)
    report = client.get(f"/api/campaigns/{campaign_id}/lint").json()
    assert report["ok"] is True
    # all five announcements and the everyone-segment edition, in both languages
    shapes = {(e["language"], e["segment"], len(e["announcement_ids"])) for e in report["editions"]}
    assert shapes == {
        ("de", None, 5),
        ("en", None, 5),
        ("de", "everyone", 1),
        ("en", "everyone", 1),
    }
    assert all(e["errors"] == 0 for e in report["editions"])
    preview = client.get(f"/api/campaigns/{campaign_id}/preview", params={"lang": "de"})
    assert preview.headers["x-newsdesk-lint"].startswith("errors=0; warnings=")


def test_oversized_edition_cannot_be_scheduled(client: TestClient, session: Session) -> None:
    campaign_id = _campaign_id(session)
    _bloat_lung_call(session)
    lints = lint_campaign(session, campaign_id=campaign_id)
    failing = {(lint.language, lint.segment) for lint in lints if lint.errors}
    assert failing == {("en", None)}  # German: the call's German body is short
    assert {p.code for lint in lints for p in lint.errors} == {"size"}

    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post(f"/api/campaigns/{campaign_id}/schedule", json={"send_at": later})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "cannot be scheduled" in detail
    assert "[en/all announcements] size: HTML is" in detail
    assert client.get(f"/api/campaigns/{campaign_id}").json()["status"] == "draft"

    report = client.get(f"/api/campaigns/{campaign_id}/lint").json()
    assert report["ok"] is False
    preview = client.get(f"/api/campaigns/{campaign_id}/preview", params={"lang": "en"})
    assert preview.status_code == 200
    assert preview.headers["x-newsdesk-lint"].startswith("errors=2 (size); warnings=")


def test_fixing_the_content_unblocks_scheduling(client: TestClient, session: Session) -> None:
    campaign_id = _campaign_id(session)
    _bloat_lung_call(session)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (
        client.post(f"/api/campaigns/{campaign_id}/schedule", json={"send_at": later}).status_code
        == 422
    )
    row = session.exec(
        select(Announcement).where(Announcement.slug == "lung-conference-call")
    ).one()
    row.body_en = "Abstracts of up to 300 words are welcome."
    session.add(row)
    session.commit()
    response = client.post(f"/api/campaigns/{campaign_id}/schedule", json={"send_at": later})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "scheduled"

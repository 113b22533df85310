"""Approval: drafts never reach an edition; the approve action lets them in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.campaigns.assembly import candidate_announcements
from service.demo.seed import seed
from service.models import Announcement, Campaign
from service.models._common import utcnow
from service.settings import get_settings


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    seed(session, secret=get_settings().secret_bytes, subscribers=20)
    session.commit()
    with TestClient(create_app()) as test_client:
        yield test_client


def _candidate_slugs(session: Session) -> list[str]:
    session.expire_all()
    campaign = session.exec(select(Campaign)).one()
    return [a.slug for a in candidate_announcements(session, campaign=campaign, at=utcnow())]


def test_new_announcement_is_a_draft_until_approved(client: TestClient, session: Session) -> None:
    created = client.post(
        "/api/announcements",
        json={
            "slug": "new-call",
            "title_en": "A new call",
            "priority": 5,
            "segments": ["everyone"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["approval"] == "draft"
    assert "new-call" not in _candidate_slugs(session)
    campaign_id = session.exec(select(Campaign)).one().id
    preview = client.get(f"/api/campaigns/{campaign_id}/preview", params={"lang": "en"}).text
    assert "A new call" not in preview

    approved = client.post(f"/api/announcements/{created.json()['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["approval"] == "approved"
    assert _candidate_slugs(session)[0] == "new-call"  # priority 5 sorts first
    preview = client.get(f"/api/campaigns/{campaign_id}/preview", params={"lang": "en"}).text
    assert "A new call" in preview


def test_withdrawn_announcement_leaves_the_candidates(client: TestClient, session: Session) -> None:
    atlas = session.exec(
        select(Announcement).where(Announcement.slug == "lung-atlas-release")
    ).one()
    assert "lung-atlas-release" in _candidate_slugs(session)
    response = client.post(f"/api/announcements/{atlas.id}/withdraw")
    assert response.json()["approval"] == "draft"
    assert "lung-atlas-release" not in _candidate_slugs(session)


def test_invalid_approval_value_and_unknown_id_are_clear(client: TestClient) -> None:
    bad = client.post(
        "/api/announcements", json={"slug": "x", "title_en": "X", "approval": "maybe"}
    )
    assert bad.status_code == 422
    assert client.post("/api/announcements/9999/approve").status_code == 404

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

    too_early = client.post(f"/api/announcements/{created.json()['id']}/approve")
    assert too_early.status_code == 409  # a draft must be submitted first
    assert "allowed: edit, submit" in too_early.json()["detail"]
    assert client.post(f"/api/announcements/{created.json()['id']}/submit").status_code == 200
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


def test_reject_needs_a_reason_and_returns_to_draft(client: TestClient) -> None:
    created = client.post(
        "/api/announcements", json={"slug": "r", "title_en": "R", "segments": ["everyone"]}
    ).json()
    client.post(f"/api/announcements/{created['id']}/submit")
    no_reason = client.post(f"/api/announcements/{created['id']}/reject", json={"reason": " "})
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["detail"]
    rejected = client.post(
        f"/api/announcements/{created['id']}/reject", json={"reason": "Link is broken"}
    )
    assert rejected.json()["approval"] == "draft"
    assert rejected.json()["reject_reason"] == "Link is broken"


def test_stale_patch_is_refused_with_who_and_when(client: TestClient) -> None:
    created = client.post("/api/announcements", json={"slug": "s", "title_en": "S"}).json()
    first = client.patch(
        f"/api/announcements/{created['id']}", json={"title_en": "S2", "version": 1}
    )
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = client.patch(
        f"/api/announcements/{created['id']}", json={"title_en": "S3", "version": 1}
    )
    assert stale.status_code == 409
    assert "changed by" in stale.json()["detail"] and "reload" in stale.json()["detail"]
    assert client.get(f"/api/announcements/{created['id']}").json()["title_en"] == "S2"


def test_approval_cannot_be_set_as_a_field(client: TestClient) -> None:
    response = client.post(
        "/api/announcements", json={"slug": "sneaky", "title_en": "X", "approval": "approved"}
    )
    assert response.status_code == 422

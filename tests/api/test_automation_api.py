"""Automation API: digest schedules with next run and runs, partner feeds; bad input is a 4xx."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.app import create_app
from tests.support.automation_data import ensure_segments


def test_digest_and_feed_endpoints(session: Session) -> None:
    ensure_segments(session)
    session.commit()
    client = TestClient(create_app())
    created = client.post(
        "/api/digests",
        json={"name": "Weekly", "segment_slugs": ["everyone"], "weekday": 1, "hour": 7},
    )
    assert created.status_code == 201, created.text
    (listed,) = client.get("/api/digests", params={"now": "2026-12-01T08:00:00+00:00"}).json()
    assert listed["name"] == "Weekly" and listed["runs"] == []
    assert listed["next_run"] == "2026-12-08T07:00:00+01:00"  # next Tuesday, 07:00 in Berlin
    bad = client.post("/api/digests", json={"name": "x", "segment_slugs": ["nope"]})
    assert bad.status_code == 422 and "nope" in bad.text
    feed = client.post("/api/feeds", json={"name": "Partner", "url": "https://p.example/f.xml"})
    assert feed.status_code == 201
    assert client.get("/api/feeds").json()[0]["url"] == "https://p.example/f.xml"
    refused = client.post("/api/feeds", json={"name": "x", "url": "ftp://p.example/f.xml"})
    assert refused.status_code == 422

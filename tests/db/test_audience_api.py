"""Audience API: segment preview, API signup, suppression, GDPR; the dispatch re-check."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.audience_api import router
from service.audience.segments import deliverable_ids
from service.audience.suppression import suppress
from service.models import ConsentEvent, Subscriber
from tests.db.public_helpers import add_subscriber
from tests.db.smtp_capture import Capture, capture_smtp

smtp = capture_smtp  # the fixture, under the name the tests ask for


def _client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    return TestClient(app)


def test_preview_counts_and_rejects_bad_rules(session: Session) -> None:
    """Live count and sample; a bad rule is a 422 naming the path."""
    add_subscriber(session, "a@x.org")
    add_subscriber(session, "b@x.org", status="unconfirmed")
    ok = _client().post("/audience/segments/preview", json={"rule": {"topic": "lung"}, "sample": 5})
    assert ok.status_code == 200
    assert ok.json()["count"] == 1 and ok.json()["sample"][0]["email"] == "a@x.org"
    bad = _client().post(
        "/audience/segments/preview", json={"rule": {"any": [{"attr": "x", "eq": "y"}]}}
    )
    assert bad.status_code == 422 and bad.json()["detail"].startswith(
        "rule.any[0].attr: unknown attribute"
    )


def test_api_signup_is_double_opt_in(session: Session, smtp: Capture) -> None:
    """API signups record the client as source and send the confirmation request."""
    response = _client().post(
        "/audience/subscriptions",
        json={"email": "Api@X.org", "language": "de", "consent": True},
        headers={"X-Client": "institute-website"},
    )
    assert response.status_code == 202
    assert session.exec(select(Subscriber)).one().status == "unconfirmed"
    assert session.exec(select(ConsentEvent)).one().source == "api:institute-website"
    assert len(smtp.messages) == 1 and smtp.messages[0][2]["Auto-Submitted"] == "auto-generated"
    refused = _client().post("/audience/subscriptions", json={"email": "c@x.org", "consent": False})
    assert refused.status_code == 422


def test_gdpr_endpoints_and_suppression(session: Session) -> None:
    """Export by id, erase by id, 404 afterwards; admin suppression by address."""
    sub = add_subscriber(session, "g@x.org")
    client = _client()
    assert client.get(f"/audience/subscribers/{sub.id}/export").json()["subscriber_id"] == sub.id
    assert client.post(f"/audience/subscribers/{sub.id}/erase").json()["deleted"]["subscriber"] == 1
    assert client.get(f"/audience/subscribers/{sub.id}/export").status_code == 404
    made = client.post("/audience/suppressions", json={"email": "Blocked@X.org"})
    assert made.status_code == 201 and made.json()["reason"] == "admin"


def test_dispatch_recheck_sees_suppression_injected_after_fanout(session: Session) -> None:
    """STANDARDS B5/F5: a suppression added between queue build and send removes the person."""
    a = add_subscriber(session, "one@x.org")
    b = add_subscriber(session, "two@x.org")
    queued = [a.id, b.id]
    assert deliverable_ids(session, subscriber_ids=queued) == {a.id, b.id}
    suppress(session, email="TWO@x.org", reason="complaint")
    session.commit()
    assert deliverable_ids(session, subscriber_ids=queued, list_slug="newsletter") == {a.id}

"""Finding 13: create and update go through one validation path (HTTP to the full app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.app import create_app
from service.db import get_engine
from service.demo.capture import MailCapture
from service.models import Coordinator, Segment, Subscriber
from service.settings import reset_settings
from tests.security.conftest import count

RULE = {"all": []}


@pytest.fixture
def http(pg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with MailCapture(tmp_path / "maildir") as mails:  # confirmation requests reach a real server
        monkeypatch.setenv("NEWSDESK_SMTP_URL", f"smtp://127.0.0.1:{mails.port}")
        reset_settings()
        with TestClient(create_app()) as client:
            yield client


def _made(http: TestClient, path: str, body: dict[str, object]) -> int:
    response = http.post(path, json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("language", "xxxxx"), ("name", "Eve\r\nBcc: x@evil.example"), ("email", "not an address")],
)  # fmt: skip
def test_subscriber_patch_validates_like_create(http: TestClient, field: str, value: str) -> None:
    sid = _made(http, "/api/subscribers", {"email": "ada@uni.example", "language": "en"})
    created = http.post("/api/subscribers", json={"email": "b@uni.example", field: value})
    patched = http.patch(f"/api/subscribers/{sid}", json={field: value})
    assert (created.status_code, patched.status_code) == (422, 422), patched.text
    with Session(get_engine()) as s:
        row = s.get(Subscriber, sid)
        assert row is not None and getattr(row, field) != value
    assert count(Subscriber) == 1


def test_status_is_no_input(http: TestClient) -> None:
    sid = _made(http, "/api/subscribers", {"email": "ada@uni.example", "status": "confirmed"})
    http.patch(f"/api/subscribers/{sid}", json={"status": "pwned"})
    with Session(get_engine()) as s:
        row = s.get(Subscriber, sid)
        assert row is not None and row.status == "unconfirmed"


def test_coordinator_email_and_names_are_checked(http: TestClient) -> None:
    bad = http.post("/api/coordinators", json={"name": "Office", "email": "nobody"})
    cid = _made(http, "/api/coordinators", {"name": "Office", "email": "Office@Partner.example"})
    patched = [
        http.patch(f"/api/coordinators/{cid}", json=change).status_code
        for change in ({"email": "x"}, {"name": "A\nB"}, {"language": "fr"})
    ]
    assert bad.status_code == 422 and patched == [422, 422, 422]
    with Session(get_engine()) as s:
        row = s.get(Coordinator, cid)
        assert row is not None and row.email == "office@partner.example"


def test_segment_slug_pattern_on_create_and_update(http: TestClient) -> None:
    bad = http.post("/api/segments", json={"slug": "../../etc", "name": "x", "rule": RULE})
    sid = _made(http, "/api/segments", {"slug": "ecr", "name": "ECR", "rule": RULE})
    patched = http.patch(f"/api/segments/{sid}", json={"slug": "../../etc"})
    assert (bad.status_code, patched.status_code) == (422, 422)
    with Session(get_engine()) as s:
        row = s.get(Segment, sid)
        assert row is not None and row.slug == "ecr"
    assert count(Segment) == 1

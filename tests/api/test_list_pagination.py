"""Cursor pagination over HTTP for announcements (compound priority:id) and inquiries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.app import create_app
from service.models import Announcement, Coordinator, Inquiry

PRIORITIES = [5, 1, 5, 5, 3, 1, 5, 2, 5, 3, 1, 5, 4]  # many ties, so pages split inside a tie


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    session.add_all(
        Announcement(slug=f"a{i}", title_en=f"A{i}", priority=p) for i, p in enumerate(PRIORITIES)
    )
    first, other = (
        Coordinator(name="One", email="one@x.example"),
        Coordinator(name="Two", email="two@x.example"),
    )
    session.add_all([first, other])
    session.flush()
    session.add_all(
        Inquiry(coordinator_id=(first.id if i % 3 else other.id), text=f"q{i}", state="forwarded")
        for i in range(17)
    )
    session.commit()
    with TestClient(create_app()) as test_client:
        yield test_client


def _all_pages(client: TestClient, url: str) -> tuple[list[dict[str, object]], int]:
    """Follow the Link headers to the end; the rows in order and the number of pages."""
    rows: list[dict[str, object]] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        rows += response.json()
        pages += 1
        next_url = None
        if "X-Next-Cursor" in response.headers:
            link = response.headers["Link"]
            assert link.endswith('>; rel="next"')
            assert f"after={response.headers['X-Next-Cursor'].replace(':', '%3A')}" in link
            next_url = link.split(">", 1)[0].lstrip("<")
    return rows, pages


def test_announcements_page_by_priority_then_id_without_duplicate_or_gap(
    client: TestClient,
) -> None:
    whole = client.get("/api/announcements?limit=500").json()
    rows, pages = _all_pages(client, "/api/announcements?limit=3")
    keys = [(r["priority"], r["id"]) for r in rows]
    assert pages == 5 and len(keys) == len(set(keys)) == len(PRIORITIES)
    assert keys == sorted(keys) == [(r["priority"], r["id"]) for r in whole]
    assert sorted(p for p, _ in keys) == sorted(PRIORITIES)
    last = client.get("/api/announcements", params={"after": f"{keys[-1][0]}:{keys[-1][1]}"})
    assert last.json() == [] and "X-Next-Cursor" not in last.headers


@pytest.mark.parametrize("cursor", ["17", "5:x", "abc", "5:3:1", ":"])
def test_a_bad_announcement_cursor_is_a_clear_422(client: TestClient, cursor: str) -> None:
    response = client.get("/api/announcements", params={"after": cursor})
    assert response.status_code == 422
    assert "bad cursor" in response.json()["detail"] and "<key>:<id>" in response.json()["detail"]


def test_inquiries_page_newest_first_overall_and_per_coordinator(client: TestClient) -> None:
    rows, pages = _all_pages(client, "/api/inquiries?limit=4")
    ids = [r["id"] for r in rows]
    assert pages == 5 and len(ids) == len(set(ids)) == 17
    assert ids == sorted(ids, reverse=True)
    one = client.get("/api/coordinators").json()
    first = next(c["id"] for c in one if c["name"] == "One")
    mine, _ = _all_pages(client, f"/api/coordinators/{first}/inquiries?limit=5")
    filtered, _ = _all_pages(client, f"/api/inquiries?coordinator_id={first}&limit=2")
    assert [r["id"] for r in mine] == [r["id"] for r in filtered]
    assert len(mine) == 11 and all(r["coordinator"] == "One" for r in mine)


def test_a_bad_inquiry_cursor_is_a_clear_422(client: TestClient) -> None:
    for url in ("/api/inquiries?after=abc", "/api/coordinators/1/inquiries?after=-1"):
        response = client.get(url)
        assert response.status_code == 422
        assert "after" in str(response.json()["detail"])


def test_openapi_says_these_lists_page_with_a_cursor(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/announcements",
        "/api/inquiries",
        "/api/coordinators/{coordinator_id}/inquiries",
    ):
        operation = paths[path]["get"]
        assert "X-Next-Cursor" in operation["description"], path
        assert {p["name"] for p in operation["parameters"]} >= {"after", "limit"}

"""Finding 12 (save time): CR/LF in a subject or any header value is refused when saved (HTTP)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.api.app import create_app
from service.db import get_engine
from service.demo.seed import seed
from service.models import Campaign
from service.settings import get_settings
from tests.security.conftest import count

INJECTED = ["News\r\nBcc: victim@elsewhere.example", "News\nX-Evil: 1", "News\x00", "A\u2028B"]


@pytest.fixture
def client(pg: str) -> Iterator[TestClient]:
    with Session(get_engine()) as s:
        seed(s, secret=get_settings().secret_bytes, subscribers=10)
        s.commit()
    with TestClient(create_app()) as http:
        yield http


def _body(**fields: object) -> dict[str, object]:
    return {"name": "Digest", "subject_en": "News", "subject_de": "Neues",
            "segments": ["early-career"], **fields}  # fmt: skip


@pytest.mark.parametrize("field", ["subject_en", "subject_de", "name", "list_name"])
@pytest.mark.parametrize("value", INJECTED)
def test_create_refuses_line_breaks_in_header_values(
    client: TestClient, field: str, value: str
) -> None:
    before = count(Campaign)
    response = client.post("/api/campaigns", json=_body(**{field: value}))
    assert response.status_code == 422, response.text
    assert field in response.text and "line break" in response.text
    assert count(Campaign) == before


@pytest.mark.parametrize("value", INJECTED[:2])
def test_update_refuses_them_too_and_changes_nothing(client: TestClient, value: str) -> None:
    created = client.post("/api/campaigns", json=_body())
    assert created.status_code == 201
    cid = created.json()["id"]
    response = client.patch(f"/api/campaigns/{cid}", json={"subject_en": value})
    assert response.status_code == 422 and "subject_en" in response.text
    assert client.get(f"/api/campaigns/{cid}").json()["subject_en"] == "News"


def test_list_slug_must_be_a_plain_slug(client: TestClient) -> None:
    response = client.post("/api/campaigns", json=_body(list_slug="../../etc\r\nx"))
    assert response.status_code == 422 and "list_slug" in response.text

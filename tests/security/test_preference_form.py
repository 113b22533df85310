"""Finding 8: the public preference form stores only configured topics, few and short (HTTP)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.addressing.link_tokens import make_preferences
from service.api.app import create_app
from service.db import get_engine
from service.models import ConsentEvent, Subscriber
from service.settings import get_settings
from tests.security.conftest import count, subscriber


def test_megabytes_of_topics_are_refused_and_nothing_is_stored(pg: str) -> None:
    with Session(get_engine(), expire_on_commit=False) as s:
        ada = subscriber(s, "ada@uni.example", language="en")
    token = make_preferences(ada.id)  # type: ignore[arg-type]
    ledger_before = count(ConsentEvent)
    junk = [f"{n:06d}" + "x" * 200 for n in range(200)]  # 40 KB of "topics"
    configured = get_settings().preference_topics[:1]
    with TestClient(create_app()) as http:
        for topics in (junk, ["not-a-configured-topic"]):
            response = http.post(
                f"/p/{token}", data={"lists": "newsletter", "topics": topics, "language": "en"}
            )
            assert "topics" in response.text
        huge = [f"{n:06d}" + "x" * 3000 for n in range(900)]  # 2.7 MB: refused before parsing
        response = http.post(f"/p/{token}", data={"lists": "newsletter", "topics": huge})
        assert response.status_code == 413
        assert count(ConsentEvent) == ledger_before  # nothing reached the append-only ledger
        ok = http.post(
            f"/p/{token}", data={"lists": "newsletter", "topics": configured, "language": "en"}
        )
        assert ok.status_code == 200
    with Session(get_engine()) as s:
        row = s.get(Subscriber, ada.id)
        assert row is not None
        assert row.attributes.get("topics") == sorted(configured)

"""GET /api/campaigns/{id}/preview?subscriber_id=: exactly what that subscriber will get."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.addressing.tokens import codec
from service.api.app import create_app
from service.demo.seed import seed
from service.models import Subscriber, SubscriberStatus
from service.settings import get_settings


@pytest.fixture
def world(session: Session) -> Iterator[tuple[TestClient, int]]:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=30)
    session.commit()
    with TestClient(create_app()) as client:
        yield client, summary.campaign_id


def test_preview_as_a_subscriber_uses_their_language_links_and_name(
    world: tuple[TestClient, int], session: Session
) -> None:
    client, campaign_id = world
    reader = session.exec(
        select(Subscriber)
        .where(Subscriber.status == SubscriberStatus.CONFIRMED, Subscriber.language == "de")
        .order_by(Subscriber.id.desc())  # type: ignore[union-attr]
    ).first()
    assert reader is not None and reader.id is not None
    response = client.get(
        f"/api/campaigns/{campaign_id}/preview",
        params={"subscriber_id": reader.id, "lang": "en"},  # lang is the reader's, not the query's
    )
    assert response.status_code == 200
    assert response.headers["x-newsdesk-lint"].startswith("errors=0;")
    html = response.text
    assert 'lang="de"' in html
    tokens = codec()
    assert f"/u/{tokens.unsubscribe(reader.id, campaign_id)}" in html
    assert f"/w/{tokens.webview(campaign_id, reader.id)}" in html
    assert f"reply+{tokens.reply(campaign_id, reader.id, 1)}@" in html  # MoU, announcement 1
    assert "NDPH" not in html


def test_preview_for_someone_outside_the_audience_is_404(
    world: tuple[TestClient, int], session: Session
) -> None:
    client, campaign_id = world
    unconfirmed = session.exec(
        select(Subscriber).where(Subscriber.status == SubscriberStatus.UNCONFIRMED)
    ).first()
    assert unconfirmed is not None
    response = client.get(
        f"/api/campaigns/{campaign_id}/preview", params={"subscriber_id": unconfirmed.id}
    )
    assert response.status_code == 404
    assert "gets nothing from campaign" in response.json()["detail"]

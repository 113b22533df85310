"""Public archive (per language, Atom feed) and the personal "view in browser" page."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.addressing.tokens import codec
from service.api.app import create_app
from service.campaigns.editions import ensure_editions
from service.campaigns.fanout import fan_out_chunk
from service.campaigns.lifecycle import apply_action, get_campaign
from service.demo.seed import seed
from service.domain.campaign_states import CampaignAction
from service.models import Delivery, Subscriber
from service.models._common import utcnow
from service.settings import get_settings

ATOM = "{http://www.w3.org/2005/Atom}"
MOU_EN = "Munich and Chicago sign a memorandum of understanding on machine learning in health"
ATLAS_EN = "Human lung cell atlas: new release and training workshop"


def _send_without_mail(session: Session, campaign_id: int) -> None:
    """Drive the campaign through fan-out and edition rendering to SENT (no SMTP involved)."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    campaign.send_at = utcnow()
    apply_action(session, campaign_id=campaign_id, action=CampaignAction.SCHEDULE)
    apply_action(session, campaign_id=campaign_id, action=CampaignAction.START)
    keys: set[str] = set()
    while True:
        step = fan_out_chunk(session, campaign_id=campaign_id, chunk_size=1000)
        keys.update(step.edition_keys)
        if step.done:
            break
    ensure_editions(session, campaign=campaign, keys=tuple(sorted(keys)), settings=get_settings())
    apply_action(session, campaign_id=campaign_id, action=CampaignAction.FINISH)
    session.commit()


@pytest.fixture
def world(session: Session) -> Iterator[tuple[TestClient, int]]:
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=40)
    session.commit()
    with TestClient(create_app()) as client:
        yield client, summary.campaign_id


def test_only_sent_public_campaigns_are_archived(
    world: tuple[TestClient, int], session: Session
) -> None:
    client, campaign_id = world
    assert client.get(f"/archive/en/{campaign_id}").status_code == 404  # a draft
    _send_without_mail(session, campaign_id)
    assert client.get(f"/archive/en/{campaign_id}").status_code == 404  # sent, not public
    assert "Partnership news" not in client.get("/archive/en").text

    patched = client.patch(f"/api/campaigns/{campaign_id}", json={"public_archive": True})
    assert patched.status_code == 422  # a sent campaign is history; mark public via the row
    campaign = get_campaign(session, campaign_id=campaign_id)
    campaign.public_archive = True
    session.add(campaign)
    session.commit()

    index = client.get("/archive/en")
    assert index.status_code == 200
    assert f"/archive/en/{campaign_id}" in index.text
    assert 'lang="en"' in index.text
    page = client.get(f"/archive/en/{campaign_id}")
    assert page.status_code == 200
    assert MOU_EN in page.text and ATLAS_EN in page.text
    for personal in ("NDPH", "/u/", "/p/", "/t/o/", "reply+", "mailto:"):
        assert personal not in page.text
    german = client.get(f"/archive/de/{campaign_id}")
    assert german.status_code == 200
    assert "Diese Meldung liegt nur auf Englisch vor." in german.text
    assert client.get("/archive/fr").status_code == 422


def test_public_flag_is_set_on_a_draft_through_the_api(world: tuple[TestClient, int]) -> None:
    client, campaign_id = world
    response = client.patch(f"/api/campaigns/{campaign_id}", json={"public_archive": True})
    assert response.status_code == 200
    assert response.json()["public_archive"] is True


def test_atom_feed_is_valid_atom(world: tuple[TestClient, int], session: Session) -> None:
    client, campaign_id = world
    client.patch(f"/api/campaigns/{campaign_id}", json={"public_archive": True})
    _send_without_mail(session, campaign_id)
    response = client.get("/archive/en/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}author/{ATOM}name").text  # type: ignore[union-attr]
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    for required in ("id", "title", "updated"):
        assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
    assert entry.findtext(f"{ATOM}updated", "").endswith("Z")
    link = entry.find(f"{ATOM}link[@rel='alternate']")
    assert link is not None and link.get("href", "").endswith(f"/archive/en/{campaign_id}")
    assert entry.findtext(f"{ATOM}title", "").startswith("Partnership news")
    empty = ElementTree.fromstring(client.get("/archive/de/feed.atom").content)
    assert len(empty.findall(f"{ATOM}entry")) == 1  # German readers got it too
    assert empty.find(f"{ATOM}updated") is not None


def test_view_in_browser_shows_the_readers_own_edition(
    world: tuple[TestClient, int], session: Session
) -> None:
    client, campaign_id = world
    _send_without_mail(session, campaign_id)
    delivery = session.exec(select(Delivery).where(Delivery.campaign_id == campaign_id)).first()
    assert delivery is not None
    reader = session.get(Subscriber, delivery.subscriber_id)
    assert reader is not None and reader.id is not None
    tokens = codec()
    page = client.get(f"/w/{tokens.webview(campaign_id, reader.id)}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    assert f'lang="{reader.language}"' in page.text
    assert f"/u/{tokens.unsubscribe(reader.id, campaign_id)}" in page.text
    assert f"/p/{tokens.preferences(reader.id)}" in page.text
    assert "NDPH" not in page.text and "/t/o/" not in page.text


def test_forged_or_foreign_webview_tokens_are_404(
    world: tuple[TestClient, int], session: Session
) -> None:
    client, campaign_id = world
    _send_without_mail(session, campaign_id)
    tokens = codec()
    good = tokens.webview(campaign_id, 1)
    forged = good[:-1] + ("a" if good[-1] != "a" else "b")
    other_kind = tokens.preferences(1)  # a valid token, but not a web-view one
    unknown = tokens.webview(campaign_id, 99_999)
    bodies = set()
    for token in (forged, other_kind, unknown, "short"):
        response = client.get(f"/w/{token}")
        assert response.status_code == 404
        bodies.add(response.text)
    assert len(bodies) == 1  # no oracle: every failure looks the same

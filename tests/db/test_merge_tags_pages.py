"""Merge tags outside the mail: the archive and its feed show fallbacks, the web view the name."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.api.app import create_app
from service.models import Announcement, Campaign
from tests.db.surface_world import build_world

SUBJECT = 'Hallo {{ first_name | default("Kollegin, Kollege") }}: Neues aus der Partnerschaft'


def test_archive_and_web_view_fill_merge_tags(session: Session) -> None:
    world = build_world(session)
    campaign = session.get(Campaign, world.campaign_id)
    assert campaign is not None
    campaign.subject_de = SUBJECT
    mou = session.exec(select(Announcement).where(Announcement.slug == "mou-signed")).one()
    mou.title_de = "{{ first_name | default('Liebe Lesende') }}: Absichtserklärung unterzeichnet"
    session.add_all([campaign, mou])
    session.commit()
    client = TestClient(create_app())
    listing = client.get("/archive/de").text
    assert "Hallo Kollegin, Kollege: Neues aus der Partnerschaft" in listing
    assert "Liebe Lesende: Absichtserklärung unterzeichnet" in listing and "{{" not in listing
    feed = client.get("/archive/de/feed.atom").text
    assert "Hallo Kollegin, Kollege" in feed and "{{" not in feed
    edition = client.get(f"/archive/de/{world.campaign_id}").text
    assert "Liebe Lesende: Absichtserklärung" in edition and "{{" not in edition
    web = client.get(world.pages["de"]["web-view"]).text
    assert "{{" not in web and "NDPH" not in web
    assert ": Absichtserklärung unterzeichnet" in web and "Liebe Lesende" not in web  # a name

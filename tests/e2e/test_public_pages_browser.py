"""Every public page and a German and an English demo edition in Chromium at 600 and 375 px.

A live uvicorn server runs the real app on a free port over the test database; Playwright drives
Debian's Chromium. Each public page must carry the brand header, the privacy-policy and imprint
links and the language switcher, and fit the width without horizontal scrolling. Screenshots go to
test-artifacts/screenshots/ (and docs/screenshots/ with UPDATE_SCREENSHOTS=1, shown in the README).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from sqlmodel import Session

from service.api.app import create_app
from service.campaigns.assembly import build_plan
from service.campaigns.subscriber_view import subscriber_preview
from service.models import Campaign, Edition, Subscriber
from service.models._common import utcnow
from service.settings import get_settings
from tests.db.surface_world import World, build_world
from tests.e2e.test_browser_render import ARTIFACTS, DOCS, WIDTHS
from tests.integration.smtp_servers import free_port

PAGES = (
    "signup",
    "confirm",
    "preferences",
    "unsubscribe",
    "archive",
    "archive-edition",
    "web-view",
)


@pytest.fixture
def live(session: Session) -> Iterator[tuple[str, World]]:
    """The demo world behind a real HTTP server."""
    world = build_world(session)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", world
    server.should_exit = True
    thread.join(timeout=10)


def _shoot(page: Any, name: str, width: int) -> None:
    """No horizontal overflow; a full-page screenshot."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: {scroll}px content in a {width}px view"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS / shot.name)


def _check_chrome(page: Any, language: str, name: str) -> None:
    """Brand, privacy policy, imprint and the language switcher on a public page."""
    settings = get_settings()
    text = page.inner_text("body")
    assert settings.brand_masthead[language] in text, name
    for url in (settings.privacy_url[language], settings.imprint_url[language]):
        assert page.locator(f'a[href="{url}"]').count() >= 1, (name, url)
    other = "en" if language == "de" else "de"
    assert page.locator(f'a[hreflang="{other}"]').count() >= 1, f"{name}: no language switcher"


def test_public_pages_carry_the_brand_and_fit(
    browser: Any,
    live: tuple[str, World],
) -> None:
    base, world = live
    for language in ("de", "en"):
        for device, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
                base) else route.abort())  # fmt: skip
            for name in PAGES:
                response = page.goto(base + world.pages[language][name])
                assert response is not None and response.status == 200, name
                assert page.get_attribute("html", "lang") == language, name
                _check_chrome(page, language, name)
                _shoot(page, f"page-{name}-{language}-{device}", width)
            page.close()


def test_demo_editions_screenshots(browser: Any, live: tuple[str, World], session: Session) -> None:
    """The largest German and English demo edition as a reader gets it (filled), both widths."""
    _base, world = live
    for language in ("de", "en"):
        edition: Edition = max(
            (e for e in world.editions if e.language == language),
            key=lambda e: len(e.announcement_ids),
        )
        reader = session.get(Subscriber, _reader_of(session, world, edition))
        assert reader is not None and reader.id is not None
        shown = subscriber_preview(session, campaign_id=world.campaign_id, subscriber_id=reader.id)
        for device, width in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", lambda route: route.abort())
            page.set_content(shown.html, wait_until="load")
            assert get_settings().brand_masthead[language] in page.inner_text("body")
            _shoot(page, f"demo-edition-{language}-{device}", width)
            page.close()


def _reader_of(session: Session, world: World, edition: Edition) -> int:
    """A confirmed reader whose edition key is this one (the fan-out SQL's choice)."""
    campaign = session.get(Campaign, world.campaign_id)
    assert campaign is not None
    plan = build_plan(session, campaign=campaign, at=campaign.send_at or utcnow())
    found = session.execute(
        sa.select(Subscriber.id).where(plan.audience, plan.edition_key == edition.key).limit(1)
    ).scalar_one()
    return int(found)

"""Branding and the media library in Chromium, as an admin: upload a real logo (hostile files
refused with the reason on the page), set masthead, colour and logo; the next edition preview
and a public page show them; an editor is refused both pages by the server (403); axe-core on
each page. The brand row is removed at the end: the e2e database is shared by the session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from service.models import AuditEvent, BrandOverride, MediaAsset
from tests.e2e.conftest import Account, Newsroom
from tests.support.images import HTML_AS_PNG, bomb_png, png

MASTHEAD = "Forschung ohne Grenzen – München trifft Chicago"
COLOUR = "#6a1b4d"


@pytest.fixture
def clean_brand(live_engine: sa.engine.Engine) -> Iterator[None]:
    """Leave the shared database's brand as the settings say, whatever the test did."""
    yield
    with Session(live_engine) as session:
        session.exec(delete(BrandOverride))  # type: ignore[call-overload]
        session.commit()


def test_admin_brands_editions_and_public_pages_from_the_newsroom(
    clean_brand: None, newsroom: Newsroom, page: Any, browser: Any,
    make_user: Callable[..., Account], log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any], tmp_path: Path, seed: Session,
) -> None:  # fmt: skip
    editor = make_user("editor")
    context = browser.new_context(locale="en-GB")
    other = context.new_page()
    log_in(other, editor)
    for path in ("/newsroom/settings/brand", "/newsroom/settings/media"):
        assert other.goto(newsroom.url(path)).status == 403
    context.close()

    admin = make_user("admin")
    log_in(page, admin)
    page.goto(newsroom.url("/newsroom/settings/media"))
    axe_check(page)
    hostile = tmp_path / "shell.png"
    hostile.write_bytes(HTML_AS_PNG)
    page.get_by_label("Image (PNG, JPEG or GIF)").set_input_files(str(hostile))
    page.get_by_role("button", name="Upload").click()
    page.locator("#file-error", has_text="not a PNG, JPEG or GIF image").wait_for()
    axe_check(page)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png())
    page.get_by_label("Image (PNG, JPEG or GIF)").set_input_files(str(bomb))
    page.get_by_role("button", name="Upload").click()
    page.locator("#file-error", has_text="50000 x 50000 pixels").wait_for()
    logo = tmp_path / "partnership-logo.png"
    logo.write_bytes(png(180, 60, (106, 27, 77)))
    page.get_by_label("Image (PNG, JPEG or GIF)").set_input_files(str(logo))
    page.get_by_role("button", name="Upload").click()
    page.locator("[data-figure=media]", has_text="partnership-logo.png").wait_for()
    asset = seed.exec(select(MediaAsset).order_by(col(MediaAsset.id).desc())).first()
    assert asset is not None and (asset.width, asset.height) == (180, 60)

    page.get_by_role("link", name="Brand", exact=True).click()
    page.get_by_label("Masthead text (German)").fill(MASTHEAD)
    page.get_by_label("Logo alt text (German)").fill("Logo der Partnerschaft")
    page.get_by_label("Main colour (masthead, headings)").fill("purple")
    page.get_by_label(f"partnership-logo.png ({asset.width} × {asset.height})").check()
    page.get_by_role("button", name="Save the brand").click()
    page.locator("#primary-error", has_text="Enter a colour like #0b3d6b.").wait_for()
    assert page.get_by_label("Masthead text (German)").input_value() == MASTHEAD  # kept
    axe_check(page)
    page.get_by_label("Main colour (masthead, headings)").fill(COLOUR)
    page.get_by_role("button", name="Save the brand").click()
    page.get_by_text("The brand is saved.").wait_for()
    axe_check(page)
    seed.expire_all()
    events = seed.exec(select(AuditEvent).where(AuditEvent.action == "brand.update")).all()
    assert any(e.actor_id == admin.id for e in events)

    page.goto(newsroom.url("/newsroom/announcements/new"))  # the next preview: the real edition
    page.get_by_label("Title (German)").fill("Neue Reisestipendien")
    page.get_by_label("Title (English)").fill("New travel grants")
    page.get_by_label("Language", exact=True).select_option("de")
    frame = page.frame_locator("iframe.edition-preview")
    frame.get_by_text(MASTHEAD).wait_for()
    srcdoc = page.locator("iframe.edition-preview").get_attribute("srcdoc") or ""
    assert COLOUR in srcdoc and f"/media/{asset.id}/{asset.storage_key}" in srcdoc

    page.goto(newsroom.url("/subscribe?lang=de"))  # a public page
    page.get_by_text(MASTHEAD).wait_for()
    image = page.get_by_role("img", name="Logo der Partnerschaft")
    assert image.evaluate("i => i.complete && i.naturalWidth") == 180  # loaded from our host
    assert COLOUR in page.content()
    axe_check(page)

"""Rendered editions in headless Chromium at 600 and 375 px: no overflow, alt text, screenshots."""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from service.rendering.contract import greeting_name_value
from service.rendering.edition import render_edition
from tests.unit.edition_samples import PUBLIC_URL, sample_edition

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": 600, "mobile": 375}


def _png(width: int, height: int) -> bytes:
    """A small two-colour PNG standing in for the announcement photo (no network in tests)."""
    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes((11, 61, 107)) if (x // 40 + y // 40) % 2 else bytes((156, 202, 255))
            for x in range(width)
        )
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def personalised(language: str) -> str:
    """The edition as one reader would get it, filled the way the sending code fills it."""
    result = render_edition(sample_edition(language))
    values = {
        "NAME": greeting_name_value("Ada"),
        "UNSUBURL": f"{PUBLIC_URL}/u/token",
        "PREFSURL": f"{PUBLIC_URL}/p/token",
        "WEBURL": f"{PUBLIC_URL}/e/1",
        "PIXEL": "",
    }
    values |= {f"LINK{n}": url.replace("&", "&amp;") for n, url in enumerate(result.links)}
    values |= {f"REPLY{n}": f"reply+t{n}@reply.news.partnership.example.org" for n in range(5)}
    return re.sub(r"NDPH([A-Z0-9]+)HPDN", lambda m: values[m.group(1)], result.html)


def _serve_offline(page: Any) -> None:
    """Answer image requests from our host with a local PNG; refuse all other network access."""
    image = _png(536, 240)

    def handle(route: Any) -> None:
        if route.request.url.startswith(PUBLIC_URL):
            route.fulfill(status=200, content_type="image/png", body=image)
        else:
            route.abort()

    page.route("**/*", handle)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("device", list(WIDTHS))
def test_edition_fits_and_has_alt_text(browser: Any, language: str, device: str) -> None:
    """No horizontal overflow at the width; every image has alt text and loads; screenshot."""
    page = browser.new_page(viewport={"width": WIDTHS[device], "height": 900})
    _serve_offline(page)
    page.set_content(personalised(language), wait_until="load")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= WIDTHS[device], f"{scroll_width}px content in a {WIDTHS[device]}px view"
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.getAttribute('alt'), i.naturalWidth,"
        " i.getBoundingClientRect().right])"
    )
    assert images, "the sample edition has an image"
    for alt, natural_width, right in images:
        assert alt and natural_width > 0 and right <= WIDTHS[device]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"edition-{language}-{device}.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS / shot.name)
    page.close()


def test_dark_mode_enhancement_applies_and_fits(browser: Any) -> None:
    """E7: with prefers-color-scheme: dark the media query recolours the body; still no overflow."""
    page = browser.new_page(viewport={"width": 375, "height": 900}, color_scheme="dark")
    _serve_offline(page)
    page.set_content(personalised("en"), wait_until="load")
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.announcement')).backgroundColor"
    )
    assert background == "rgb(27, 31, 36)"  # #1b1f24 from the dark-mode query
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "edition-en-mobile-dark.png"), full_page=True)
    page.close()

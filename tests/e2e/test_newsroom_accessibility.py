"""axe-core on every page of the newsroom foundation; screenshots at desktop and phone width.

Screenshots go to test-artifacts/screenshots/; with UPDATE_SCREENSHOTS=1 also to
docs/screenshots/ (the README shows those), as the edition screenshots do.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.campaign_data import SentDemo
from tests.e2e.conftest import DESKTOP, PHONE, Account, Newsroom

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"


def _shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS / shot.name)


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{scroll}px wide content in a {width}px view"


def test_login_pages_pass_axe(
    page: Any, newsroom: Newsroom, axe_check: Callable[[Any], Any]
) -> None:
    page.goto(newsroom.url("/newsroom/login"))
    axe_check(page)
    page.get_by_role("button", name="Log in").click()  # empty form: the error summary
    assert page.get_by_role("alert").is_visible()
    axe_check(page)
    page.goto(newsroom.url("/newsroom/login/code"))
    axe_check(page)


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_admin_page_passes_axe(
    language: str,
    page: Any,
    newsroom: Newsroom,
    sent_campaign: SentDemo,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any],
) -> None:
    admin = make_user("admin", language=language)
    log_in(page, admin)
    for path in (
        "/newsroom/",
        "/newsroom/?view=week",
        "/newsroom/profile",
        "/newsroom/settings/users",
        f"/newsroom/settings/users/{admin.id}",
        f"/newsroom/settings/users/{admin.id}/confirm/reset-password",
        "/newsroom/settings/system",
        "/newsroom/settings/dns?run=1",
        "/newsroom/settings/webhooks",
    ):
        page.goto(newsroom.url(path))
        assert page.locator("html").get_attribute("lang") == language
        axe_check(page)
    page.goto(newsroom.url("/newsroom/settings/users"))
    page.locator("form[action$='/settings/users'] button[type=submit]").click()  # all errors
    axe_check(page)


def test_refusal_pages_pass_axe(
    page: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any],
) -> None:
    log_in(page, make_user("viewer"))
    assert page.goto(newsroom.url("/newsroom/settings/users")).status == 403
    axe_check(page)
    page.evaluate("document.querySelector('form[action$=\"/logout\"] input').value = 'stale'")
    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("heading", name="This form has expired").is_visible()
    axe_check(page)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_screenshots_of_login_and_dashboard(
    device: str,
    browser: Any,
    newsroom: Newsroom,
    sent_campaign: SentDemo,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    viewport = DESKTOP if device == "desktop" else PHONE
    context = browser.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.goto(newsroom.url("/newsroom/login"))
    _fits(page, viewport["width"])
    _shoot(page, f"newsroom-login-{device}")
    log_in(page, make_user("editor"))
    assert page.locator(f"tr[data-campaign='{sent_campaign.campaign_id}']").is_visible()
    _fits(page, viewport["width"])
    _shoot(page, f"newsroom-dashboard-{device}")
    context.close()

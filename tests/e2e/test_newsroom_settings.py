"""The admin's settings area in Chromium: users and roles, DKIM and relays, webhooks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from service import webhooks
from tests.e2e.conftest import Account, Newsroom


def test_admin_adds_a_user_changes_the_role_disables_and_resets_the_password(
    page: Any,
    browser: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    log_in(page, make_user("admin"))
    page.get_by_role("link", name="Settings").click()
    assert page.get_by_role("heading", name="Users and roles").is_visible()
    page.get_by_label("Name", exact=True).fill("Grace Editor")
    page.get_by_label("Email address").fill("grace@@example")
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_label("First password").fill("short")
    page.get_by_role("button", name="Add user").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Enter an email address like name@example.org." in alert
    assert "Use at least 10 characters." in alert
    assert page.get_by_label("Name", exact=True).input_value() == "Grace Editor"  # kept
    assert page.get_by_label("Role", exact=True).input_value() == "editor"
    email = f"grace.{uuid.uuid4().hex[:8]}@example.org"
    page.get_by_label("Email address").fill(email)
    page.get_by_label("First password").fill("grace-first-password")
    page.get_by_role("button", name="Add user").click()
    assert page.get_by_role("status").inner_text() == "The user has been added."
    assert page.get_by_role("heading", name="Grace Editor").is_visible()

    page.get_by_label("Role", exact=True).select_option("approver")
    page.get_by_role("button", name="Save role").click()
    assert "The role has been saved." in page.get_by_role("status").inner_text()

    grace = browser.new_context().new_page()  # Grace logs in meanwhile
    grace.goto(newsroom.url("/newsroom/login"))
    grace.get_by_label("Email address").fill(email)
    grace.get_by_label("Password").fill("grace-first-password")
    grace.get_by_role("button", name="Log in").click()
    grace.wait_for_url(newsroom.url("/newsroom/"))

    page.get_by_role("link", name="Disable user…").click()
    assert page.get_by_role("heading", name="Please confirm").is_visible()
    page.get_by_role("button", name="Yes, disable").click()
    assert "disabled and logged out" in page.get_by_role("status").inner_text()
    grace.reload()
    assert "/newsroom/login" in grace.url  # her session ended at once

    page.get_by_role("link", name="Enable user…").click()
    page.get_by_role("button", name="Yes, enable").click()
    page.get_by_role("link", name="Reset password…").click()
    page.get_by_role("button", name="Yes, reset the password").click()
    new_password = page.locator("#new-password").inner_text()
    assert len(new_password) >= 10

    history = page.locator("section.audit tbody").inner_text()
    for event in ("User added", "Role changed", "User disabled", "User enabled", "Password reset"):
        assert event in history
    grace.get_by_label("Email address").fill(email)
    grace.get_by_label("Password").fill(new_password)
    grace.get_by_role("button", name="Log in").click()
    grace.wait_for_url(newsroom.url("/newsroom/"))
    assert grace.get_by_role("link", name="Grace Editor").is_visible()
    grace.context.close()


def test_dkim_relays_and_rate_limits_are_shown_read_only(
    page: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    log_in(page, make_user("admin"))
    page.goto(newsroom.url("/newsroom/settings/system"))
    assert "No signing key is loaded" in page.locator("#dkim-state").inner_text()  # none configured
    assert page.get_by_role("row", name="127.0.0.1:8025").is_visible()
    assert page.get_by_role("row", name="NEWSDESK_RATE_GLOBAL_PER_S").is_visible()


def test_webhook_receivers_and_their_delivery_log(
    page: Any,
    newsroom: Newsroom,
    seed: Session,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    endpoint = webhooks.add_endpoint(
        seed, url="https://hooks.example.org/newsdesk", secret="s" * 32, event_types=["opened"]
    )
    webhooks.emit(seed, event_type="opened", events=[{"campaign_id": 1}])
    seed.commit()
    log_in(page, make_user("admin"))
    page.goto(newsroom.url("/newsroom/settings/webhooks"))
    assert page.get_by_role("row", name="https://hooks.example.org/newsdesk").is_visible()
    log = page.locator("table").nth(1).inner_text()
    assert "opened" in log and "pending" in log
    page.get_by_label("Status").select_option("dead")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_text("No delivery yet.").is_visible()
    assert endpoint.id is not None

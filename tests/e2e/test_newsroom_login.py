"""Login through the real browser: every role, keyboard only, wrong password, throttling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
import pytest

from service.models import Role
from tests.e2e.conftest import Account, Newsroom


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_logs_in_and_sees_the_dashboard(
    role: str,
    page: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    account = make_user(role)
    log_in(page, account)
    assert page.get_by_role("heading", name="Dashboard", level=1).is_visible()
    assert page.get_by_role("link", name=account.display_name).is_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(newsroom.url("/newsroom/login"))
    page.goto(newsroom.url("/newsroom/"))
    assert page.url.startswith(newsroom.url("/newsroom/login"))  # the session is gone


def test_keyboard_only_login(
    page: Any, newsroom: Newsroom, make_user: Callable[..., Account]
) -> None:
    account = make_user("editor")
    page.goto(newsroom.url("/newsroom/login"))
    assert page.evaluate("document.activeElement.id") == "email"  # autofocus: type at once
    page.keyboard.press("Shift+Tab")  # before it: the home link, then the skip link
    assert page.evaluate("document.activeElement.className") == "brand"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(account.email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(account.password)
    page.keyboard.press("Enter")
    page.wait_for_url(newsroom.url("/newsroom/"))
    assert page.get_by_role("heading", name="Dashboard").is_visible()


def test_wrong_password_shows_the_error_summary_and_keeps_the_email(
    page: Any, newsroom: Newsroom, make_user: Callable[..., Account]
) -> None:
    account = make_user("approver")
    page.goto(newsroom.url("/newsroom/login"))
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    assert "The email address or password is not right." in summary.inner_text()
    assert page.get_by_label("Email address").input_value() == account.email
    assert page.get_by_label("Password").input_value() == ""
    summary.get_by_role("link").click()  # the summary links to the field
    assert page.evaluate("document.activeElement.id") == "email"


def test_too_many_failures_lock_the_account_with_the_time_to_wait(
    page: Any, newsroom: Newsroom, make_user: Callable[..., Account]
) -> None:
    account = make_user("viewer")
    page.goto(newsroom.url("/newsroom/login"))
    for _ in range(5):  # NEWSDESK_LOGIN_MAX_PER_ACCOUNT defaults to 5
        page.get_by_label("Email address").fill(account.email)
        page.get_by_label("Password").fill("guess")
        page.get_by_role("button", name="Log in").click()
        assert "not right" in page.get_by_role("alert").inner_text()
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password").fill(account.password)  # even the right one now waits
    with page.expect_response(newsroom.url("/newsroom/login")) as answer:
        page.get_by_role("button", name="Log in").click()
    assert answer.value.status == 429 and int(answer.value.headers["retry-after"]) > 0
    assert (
        "Too many failed attempts. Try again in 15 minutes."
        in page.get_by_role("alert").inner_text()
    )


def test_two_step_login_after_enrolling_on_the_profile(
    page: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    account = make_user("admin")
    log_in(page, account)
    page.goto(newsroom.url("/newsroom/profile"))
    secret = page.locator("#totp-secret").inner_text()
    assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/Newsdesk:")
    page.get_by_label("6-digit code").fill(
        "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    )
    page.get_by_role("button", name="Turn two-step login on").click()
    assert "does not match" in page.get_by_role("alert").inner_text()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn two-step login on").click()
    assert page.get_by_role("status").inner_text() == "Two-step login is on."
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/newsroom/login/code**")
    page.goto(newsroom.url("/newsroom/"))  # not logged in before the code
    assert "/newsroom/login" in page.url
    page.go_back()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(newsroom.url("/newsroom/"))
    assert page.get_by_role("heading", name="Dashboard").is_visible()


def test_german_ui_when_the_user_picks_german(
    page: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    log_in(page, make_user("editor"))
    page.goto(newsroom.url("/newsroom/profile"))
    page.get_by_label("Language of the newsroom").select_option("de")
    page.get_by_role("button", name="Save language").click()
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Ihr Profil").is_visible()
    page.get_by_label("Aktuelles Passwort").fill("wrong")
    page.get_by_role("button", name="Passwort ändern").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Es gibt ein Problem" in alert and "Ihr aktuelles Passwort stimmt nicht." in alert
    page.get_by_role("link", name="Übersicht").click()
    assert page.get_by_role("heading", name="Übersicht", level=1).is_visible()
    assert page.get_by_role("heading", name="Zuletzt versendet").is_visible()
    month = page.locator(".calendar-nav strong").inner_text()
    assert month.split()[0] in {
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    }
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url("**/newsroom/login")
    assert page.get_by_role("heading", name="Im Newsroom anmelden").is_visible()  # cookie remembers

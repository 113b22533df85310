"""Login through the real browser: every role, keyboard only, wrong password, throttling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

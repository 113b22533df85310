"""Single sign-on through an OpenID provider on loopback: who may log in and who may not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sqlmodel import Session

from service.accounts import users
from tests.e2e.conftest import Account, Newsroom
from tests.e2e.oidc_provider import Provider


def test_a_user_logs_in_with_the_provider_and_lands_on_the_page_asked_for(
    page: Any, newsroom: Newsroom, idp: Provider, make_user: Callable[..., Account]
) -> None:
    account = make_user("approver")
    idp.next_identity = {"email": account.email.upper(), "email_verified": True}
    page.goto(newsroom.url("/newsroom/profile"))  # not logged in: to the login page
    page.get_by_role("link", name="Log in with University SSO").click()
    page.wait_for_url(newsroom.url("/newsroom/profile"))
    assert page.get_by_role("heading", name="Your profile").is_visible()
    assert page.get_by_text(account.email).is_visible()


def test_unknown_unverified_or_disabled_identities_are_refused(
    page: Any, newsroom: Newsroom, idp: Provider, seed: Session, make_user: Callable[..., Account]
) -> None:
    unverified, disabled = make_user("editor"), make_user("viewer")
    users.set_disabled(seed, user_id=disabled.id)
    seed.commit()
    for identity in (
        {"email": "stranger@university.example.edu", "email_verified": True},
        {"email": unverified.email, "email_verified": False},
        {"email": disabled.email, "email_verified": True},
    ):
        idp.next_identity = identity
        page.goto(newsroom.url("/newsroom/login"))
        page.get_by_role("link", name="Log in with University SSO").click()
        page.wait_for_load_state()
        assert (
            "There is no newsroom account for this login." in page.get_by_role("alert").inner_text()
        )
        assert page.goto(newsroom.url("/newsroom/")).url.startswith(newsroom.url("/newsroom/login"))


def test_a_callback_without_the_flow_cookie_or_with_another_state_is_refused(
    newsroom: Newsroom, idp: Provider, make_user: Callable[..., Account]
) -> None:
    idp.next_identity = {"email": make_user("editor").email, "email_verified": True}
    with httpx.Client(base_url=newsroom.base, follow_redirects=False) as client:
        start = client.get("/newsroom/login/oidc")
        assert start.status_code == 303 and start.headers["location"].startswith(idp.issuer)
        back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
        forged = client.get(back.replace("state=", "state=x"))
        assert forged.status_code == 401 and "newsroom_session" not in forged.headers.get(
            "set-cookie", ""
        )
        start = client.get("/newsroom/login/oidc")  # the failure ended that flow: a new one
        back = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
        assert httpx.get(back).status_code == 401  # no flow cookie: someone else's callback URL
        own = client.get(back)
        assert own.status_code == 303 and "newsroom_session=" in own.headers["set-cookie"]
        assert client.get(back).status_code == 401  # that flow is over: no second use

"""Server-side refusals over real HTTP: CSRF on every change, roles on every write route."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.routing import APIRoute
from sqlmodel import Session, select

from service.accounts.permissions import allowed
from service.models import User
from service.web.mount import page_routers
from tests.e2e.conftest import Account, Newsroom

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# Routes every logged-in user may post to (their own session, language and profile).
OWN = re.compile(r"^/(login|login/code|logout|language|profile(/.*)?)$")


def _http_login(newsroom: Newsroom, account: Account) -> tuple[httpx.Client, str]:
    """A client logged in through the form, and its CSRF token."""
    client = httpx.Client(base_url=newsroom.base, follow_redirects=False, timeout=10)
    token = TOKEN.search(client.get("/newsroom/login").text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/newsroom/login",
        data={"email": account.email, "password": account.password, "csrf_token": token},
    )
    assert answer.status_code == 303, answer.text
    token = TOKEN.search(client.get("/newsroom/").text).group(1)  # type: ignore[union-attr]
    return client, token


@pytest.fixture
def admin_client(
    newsroom: Newsroom, make_user: Callable[..., Account]
) -> Iterator[tuple[httpx.Client, str]]:
    client, token = _http_login(newsroom, make_user("admin"))
    yield client, token
    client.close()


def _users(engine: sa.engine.Engine) -> int:
    with Session(engine) as session:
        return len(session.exec(select(User)).all())


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(
    admin_client: tuple[httpx.Client, str], live_engine: sa.engine.Engine
) -> None:
    client, token = admin_client
    form = {
        "email": "intruder@example.org",
        "display_name": "Intruder",
        "role": "admin",
        "password": "a long enough password",
    }
    before = _users(live_engine)
    off_by_one = token[:-1] + ("1" if token[-1] == "0" else "0")  # never the real token
    for sent in ({}, {"csrf_token": "forged"}, {"csrf_token": off_by_one}):
        answer = client.post("/newsroom/settings/users", data=form | sent)
        assert answer.status_code == 403, answer.headers
        assert "This form has expired" in answer.text and "Nothing was changed" in answer.text
    htmx = client.post(
        "/newsroom/settings/users",
        data=form,
        headers={"HX-Request": "true", "X-CSRF-Token": "forged"},
    )
    assert htmx.status_code == 403
    assert _users(live_engine) == before
    accepted = client.post("/newsroom/settings/users", data=form, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 303, accepted.headers  # the header token alone is enough
    assert _users(live_engine) == before + 1, accepted.headers


def test_the_login_form_itself_needs_its_pre_login_token(
    newsroom: Newsroom, make_user: Callable[..., Account]
) -> None:
    account = make_user("editor")
    with httpx.Client(base_url=newsroom.base, follow_redirects=False) as client:
        answer = client.post(
            "/newsroom/login", data={"email": account.email, "password": account.password}
        )
        assert answer.status_code == 403 and "newsroom_session" not in answer.headers.get(
            "set-cookie", ""
        )


def _write_routes() -> list[tuple[str, str]]:
    """Every state-changing newsroom route (whoever adds pages, this list grows with them)."""
    routes = []
    for router in page_routers():
        for route in router.routes:
            assert isinstance(route, APIRoute), "page modules declare their routes directly"
            for method in route.methods - {"GET", "HEAD"}:
                if not OWN.match(route.path):
                    routes.append((method, route.path))
    return sorted(routes)


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_a_viewer_is_refused_on_every_write_route_by_the_server(
    newsroom: Newsroom, make_user: Callable[..., Account], live_engine: sa.engine.Engine
) -> None:
    routes = _write_routes()
    assert ("POST", "/settings/users") in routes and len(routes) >= 5
    client, token = _http_login(newsroom, make_user("viewer"))
    before = _users(live_engine)
    with closing(client):
        for method, path in routes:
            answer = client.request(
                method, f"/newsroom{_fill(path)}", data={"csrf_token": token, "role": "admin"}
            )
            assert answer.status_code == 403, f"{method} {path} answered {answer.status_code}"
            assert "You are not allowed to do this" in answer.text
        for path in (
            "/settings/users",
            "/settings/users/1",
            "/settings/system",
            "/settings/webhooks",
            "/settings/brand",
            "/settings/media",
            "/audience/import/1/map",
        ):
            assert client.get(f"/newsroom{path}").status_code == 403
    assert _users(live_engine) == before


@pytest.mark.parametrize("role", ["editor", "approver", "coordinator"])
def test_other_roles_cannot_reach_the_settings_either(
    role: str, newsroom: Newsroom, make_user: Callable[..., Account]
) -> None:
    assert not allowed(role, "user.manage")
    client, token = _http_login(newsroom, make_user(role))
    with closing(client):
        assert client.get("/newsroom/settings/users").status_code == 403
        refused = client.post("/newsroom/settings/users/1/disable", data={"csrf_token": token})
        assert refused.status_code == 403


def test_the_viewer_sees_no_settings_link_and_a_403_page_in_the_browser(
    page: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
) -> None:
    log_in(page, make_user("viewer"))
    assert page.get_by_role("link", name="Settings").count() == 0
    answer = page.goto(newsroom.url("/newsroom/settings/users"))
    assert answer.status == 403
    assert page.get_by_role("heading", name="You are not allowed to do this").is_visible()


def test_pages_need_a_login_and_the_session_cookie_is_httponly_and_lax(
    newsroom: Newsroom, make_user: Callable[..., Account]
) -> None:
    with httpx.Client(base_url=newsroom.base, follow_redirects=False) as client:
        for path in ("/newsroom/", "/newsroom/profile", "/newsroom/settings/users"):
            answer = client.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith(
                "/newsroom/login?next="
            )
        assert (
            client.get("/newsroom/", headers={"HX-Request": "true"})
            .headers["HX-Redirect"]
            .startswith("/newsroom/login")
        )
        assert client.get("/", follow_redirects=False).headers["location"] == "/newsroom/"
    account = make_user("editor")
    client, _ = _http_login(newsroom, account)
    with closing(client):
        cookie = client.cookies.jar
        names = {c.name for c in cookie}
        assert "newsroom_session" in names
    with httpx.Client(base_url=newsroom.base, follow_redirects=False) as raw:
        token = TOKEN.search(raw.get("/newsroom/login").text).group(1)  # type: ignore[union-attr]
        answer = raw.post(
            "/newsroom/login",
            data={"email": account.email, "password": account.password, "csrf_token": token},
        )
        header = answer.headers["set-cookie"].lower()
        assert "httponly" in header and "samesite=lax" in header and "path=/newsroom" in header
        assert "secure" not in header  # PUBLIC_URL is http:// here; https:// adds Secure

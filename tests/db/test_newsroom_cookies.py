"""Newsroom cookies over the ASGI app: Secure when PUBLIC_URL is https, always HttpOnly + Lax."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.accounts.users import create_user
from service.api.app import create_app
from service.settings import reset_settings

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.mark.parametrize("public_url", ["https://news.example.org", "http://127.0.0.1:8000"])
def test_session_cookie_attributes(
    public_url: str, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_PUBLIC_URL", public_url)
    reset_settings()
    create_user(
        session,
        email="ed@example.org",
        display_name="Ed",
        role="editor",
        password="a long enough password",
    )
    session.commit()
    client = TestClient(create_app(), base_url="https://testserver")
    form = client.get("/newsroom/login")
    pre = form.headers["set-cookie"]
    token = TOKEN.search(form.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/newsroom/login",
        data={"email": "ed@example.org", "password": "a long enough password", "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    for header in (pre, cookie):
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
        assert {"httponly", "path", "samesite"} <= attributes and "samesite=lax" in header.lower()
        assert ("secure" in attributes) == public_url.startswith("https://")
    reset_settings()

"""In-process newsroom clients (real app, real database, real session cookies and CSRF)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import Session

from service.accounts.sessions import load_session, start_session
from service.accounts.users import create_user
from service.api.app import create_app

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@dataclass
class Person:
    """A logged-in user with a client and the session's CSRF token."""

    id: int
    client: TestClient
    csrf: str

    def post(self, path: str, data: dict[str, str | list[str]], **kw: object):  # type: ignore[no-untyped-def]
        """A form POST carrying the CSRF token."""
        return self.client.post(path, data={"csrf_token": self.csrf, **data}, **kw)  # type: ignore[arg-type]


def person(session: Session, role: str, name: str | None = None) -> Person:
    """Create a user of `role` and log them in (a server-side session, as the login form does)."""
    local = (name or role).lower().replace(" ", ".")
    user = create_user(
        session,
        email=f"{local}@newsroom.example.org",
        display_name=name or role.title(),
        role=role,
        password="a long enough password",
    )
    raw = start_session(session, user=user)
    session.commit()
    login = load_session(session, raw=raw)
    assert login is not None and user.id is not None
    client = TestClient(create_app(), follow_redirects=False)
    client.cookies.set("newsroom_session", raw, path="/newsroom")
    return Person(user.id, client, login.csrf_token)

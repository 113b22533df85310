"""Dependencies of every newsroom route: DB session, login, permissions, CSRF.

Use them as annotations: `db: DbSession`, `login: CurrentLogin`, `user: CurrentUser`, or
`user: Annotated[User, Depends(require("campaign.schedule"))]`. CSRF is checked for every
unsafe method by the router-wide `csrf_protect` (service.web.mount adds it).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from service.accounts.permissions import ALL_ACTIONS, allowed
from service.accounts.sessions import Login, load_session
from service.db import session_scope
from service.models import User, WebSession
from service.settings import get_settings
from service.web.errors import CsrfFailed, Forbidden, LoginRequired

SESSION_COOKIE = "newsroom_session"
PRE_COOKIE = "newsroom_pre"  # before login: binds the login form's CSRF token to this browser
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_db() -> Iterator[Session]:
    """The request owns the transaction: commit when the handler returns, else roll back."""
    with session_scope() as session:
        try:
            yield session
        except BaseException:
            # Detach before the rollback expires them: the refusal page still reads the
            # logged-in user's name, role and language.
            session.expunge_all()
            raise


# scope="function": commit before the response is sent (a redirect must see the write,
# and a failed commit must not follow a 2xx already on the wire).
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def optional_login(request: Request, db: DbSession) -> Login | None:
    """The logged-in state behind the session cookie, or None."""
    login = load_session(db, raw=request.cookies.get(SESSION_COOKIE))
    request.state.login = snapshot(login)  # refusal pages render after the rollback
    return login


def snapshot(login: Login | None) -> Login | None:
    """A copy detached from the session: a rollback expires the live objects, not these."""
    if login is None:
        return None
    user = User.model_validate(login.user.model_dump())
    return Login(user=user, web_session=WebSession.model_validate(login.web_session.model_dump()))


OptionalLogin = Annotated[Login | None, Depends(optional_login)]


def current_login(login: OptionalLogin) -> Login:
    """The login, or LoginRequired (redirect to the login page)."""
    if login is None:
        raise LoginRequired()
    return login


CurrentLogin = Annotated[Login, Depends(current_login)]


def current_user(login: CurrentLogin) -> User:
    """The logged-in user."""
    return login.user


CurrentUser = Annotated[User, Depends(current_user)]


def require(action: str) -> Callable[[Login], User]:
    """A dependency that returns the user when their role allows `action`, else 403."""
    if action not in ALL_ACTIONS:
        raise ValueError(f"unknown action {action!r}")

    def dependency(login: CurrentLogin) -> User:
        if not allowed(login.user.role, action):
            raise Forbidden(action)
        return login.user

    dependency.__name__ = f"require_{action.replace('.', '_')}"
    return dependency


def pre_login_token(pre_cookie: str) -> str:
    """The CSRF token of a browser that is not logged in yet."""
    key = get_settings().secret_bytes
    return hmac.new(key, f"pre:{pre_cookie}".encode(), hashlib.sha256).hexdigest()


def expected_csrf(request: Request, login: Login | None) -> str | None:
    """The token this request must carry: the session's, or the pre-login cookie's."""
    if login is not None:
        return login.csrf_token
    pre = request.cookies.get(PRE_COOKIE)
    return pre_login_token(pre) if pre else None


async def csrf_protect(request: Request, login: OptionalLogin) -> None:
    """Refuse unsafe requests whose header or form field does not carry the expected token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = expected_csrf(request, login)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfFailed()


def client_ip(request: Request) -> str | None:
    """The peer address (behind a proxy run uvicorn with --proxy-headers)."""
    return request.client.host if request.client else None

"""Typed dependencies: a request-scoped session that commits when the handler succeeds."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.db import session_scope
from service.settings import get_settings


def get_session() -> Iterator[Session]:
    """The request owns the transaction."""
    with session_scope() as session:
        yield session


# Declares the bearer scheme in the OpenAPI document (Swagger's "Authorize" button); the check
# itself is ours, so an unset token (local demo) leaves the admin API open as before.
BEARER = HTTPBearer(auto_error=False, description="NEWSDESK_ADMIN_TOKEN")


def require_admin(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> None:
    """Admin endpoints need `Authorization: Bearer <NEWSDESK_ADMIN_TOKEN>` when a token is set."""
    token = get_settings().admin_token
    if not token:
        return
    given = credentials.credentials if credentials else ""
    # constant time: the comparison must not reveal how many leading characters were right
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(
            status_code=401, detail="admin token required", headers={"WWW-Authenticate": "Bearer"}
        )


# scope="function": the commit runs when the handler returns, BEFORE the response is sent, so a
# 2xx means the write is durable (a failed commit answers an error, never a false success).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

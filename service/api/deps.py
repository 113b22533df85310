"""Typed dependencies: a request-scoped session that commits when the handler succeeds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException
from sqlmodel import Session

from service.db import session_scope
from service.settings import get_settings


def get_session() -> Iterator[Session]:
    """The request owns the transaction."""
    with session_scope() as session:
        yield session


def require_admin(authorization: Annotated[str | None, Header()] = None) -> None:
    """Admin endpoints need `Authorization: Bearer <NEWSDESK_ADMIN_TOKEN>` when a token is set."""
    token = get_settings().admin_token
    if token and authorization != f"Bearer {token}":
        raise HTTPException(status_code=401, detail="admin token required")


# scope="function": the commit runs when the handler returns, BEFORE the response is sent, so a
# 2xx means the write is durable (a failed commit answers an error, never a false success).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

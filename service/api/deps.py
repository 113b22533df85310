"""Typed dependencies: a request-scoped session that commits when the handler succeeds, and
the bearer check: the operator's NEWSDESK_ADMIN_TOKEN, or a user's API token whose scopes
(and role) allow the action the route performs (see `api_action`)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from service.accounts.tokens import PREFIX, authenticate_token
from service.db import session_scope
from service.settings import get_settings


def get_session() -> Iterator[Session]:
    """The request owns the transaction."""
    with session_scope() as session:
        yield session


# scope="function": the commit runs when the handler returns, BEFORE the response is sent, so a
# 2xx means the write is durable (a failed commit answers an error, never a false success).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

# Declares the bearer scheme in the OpenAPI document (Swagger's "Authorize" button); the check
# itself is ours, so an unset token (local demo) leaves the admin API open as before.
BEARER = HTTPBearer(
    auto_error=False, description="NEWSDESK_ADMIN_TOKEN, or a user's API token (ndt_...)"
)

# (method pattern, path pattern, action); first match wins, anything else needs user.manage.
API_ACTIONS: list[tuple[str, str, str]] = [
    ("POST", r"/api/campaigns/\d+/(schedule|pause|resume|cancel)$", "campaign.schedule"),
    ("POST", r"/api/campaigns/\d+/test-send$", "campaign.test_send"),
    ("GET", r"/api/campaigns/\d+/report", "report.view"),
    ("GET", r"/api/campaigns", "campaign.read"),
    (".*", r"/api/campaigns", "campaign.write"),
    ("POST", r"/api/announcements/\d+/(approve|reject|withdraw)$", "announcement.approve"),
    ("POST", r"/api/announcements/\d+/submit$", "announcement.submit"),
    ("GET", r"/api/announcements", "announcement.read"),
    (".*", r"/api/announcements", "announcement.write"),
    (".*", r"/api/(coordinators/\d+/)?inquiries", "inquiry.answer_all"),
    ("GET", r"/api/(segments|subscribers|coordinators|audience)", "audience.read"),
    ("POST", r"/api/audience/segments/preview$", "audience.read"),
    (".*", r"/api/segments", "segment.write"),
    ("GET", r"/api/(digests|feeds)", "automation.read"),
    (".*", r"/api/(digests|feeds)", "automation.write"),
    (".*", r"/api/(subscribers|coordinators|audience)", "audience.write"),
]


def api_action(method: str, path: str) -> str:
    """The permission a user token needs for this request."""
    for method_pattern, path_pattern, action in API_ACTIONS:
        if re.fullmatch(method_pattern, method) and re.match(path_pattern, path):
            return action
    return "user.manage"


def _refuse(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def require_admin(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None,
) -> None:
    """Admin endpoints need the admin token, or a user token allowed the route's action."""
    token = get_settings().admin_token
    if not token:
        return  # no token configured: local setup, the API is open (production refuses this)
    given = credentials.credentials if credentials else ""
    # constant time: the comparison must not reveal how many leading characters were right
    if hmac.compare_digest(given.encode(), token.encode()):
        return
    if given.startswith(PREFIX):
        owner = authenticate_token(session, raw=given)  # looked up by SHA-256 digest
        if owner is None:
            raise _refuse(401, "API token unknown or revoked")
        action = api_action(request.method, request.url.path)
        if not owner.may(action):
            raise HTTPException(status_code=403, detail=f"token lacks scope {action}")
        request.state.api_user_id = owner.user.id  # the actor of audited rules (four-eyes)
        return
    raise _refuse(401, "admin token required")

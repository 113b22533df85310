"""Per-user API tokens: random secrets shown once, stored as SHA-256, with scopes.

A token's scopes are permission names; a request is allowed when the scope is on the token
AND the owner's role still allows it (demoting a user narrows their tokens at once).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, select

from service.accounts.errors import N_, field_problem
from service.accounts.permissions import ALL_ACTIONS, allowed
from service.models import ApiToken, User
from service.models._common import utcnow

PREFIX = "ndt_"  # recognisable in logs and secret scanners


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    session: Session, *, user: User, name: str, scopes: list[str]
) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the raw secret (never stored, shown once)."""
    assert user.id is not None
    unknown = sorted(set(scopes) - ALL_ACTIONS)
    if unknown or not scopes:
        raise field_problem("scopes", N_("Choose scopes from the permission list."))
    raw = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name[:100], token_hash=_digest(raw), scopes=sorted(scopes))
    session.add(row)
    session.flush()
    return row, raw


@dataclass(frozen=True)
class TokenUser:
    """Who a bearer token speaks for."""

    user: User
    token: ApiToken

    def may(self, action: str) -> bool:
        """Scope on the token and permission of the role."""
        return action in self.token.scopes and allowed(self.user.role, action)


def authenticate_token(session: Session, *, raw: str) -> TokenUser | None:
    """The live token behind a bearer value (hash lookup: the comparison is on digests)."""
    if not raw.startswith(PREFIX):
        return None
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(raw))).first()
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or user.disabled:
        return None
    token.last_used_at = utcnow()
    session.add(token)
    return TokenUser(user=user, token=token)


def revoke_token(session: Session, *, token_id: int, user: User) -> None:
    """Revoke one of the user's tokens (admins may revoke anyone's)."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and not allowed(user.role, "user.manage")):
        raise field_problem("token", N_("No such token."))
    token.revoked_at = utcnow()
    session.add(token)
    session.flush()


def list_tokens(session: Session, *, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first."""
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user_id)).all()
    return sorted(rows, key=lambda t: t.id or 0, reverse=True)

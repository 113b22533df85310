"""Server-side sessions: a random cookie value, stored as its SHA-256, with a CSRF secret.

A login always makes a new session (rotation: an id planted before login is worthless) and
the TOTP step replaces the half-logged-in session by a fresh one. A session ends at its
absolute expiry or after `session_idle_minutes` without a request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from service.models import User, WebSession
from service.models._common import as_utc, utcnow
from service.settings import get_settings

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Login:
    """The request's authenticated state: the user, their session row and CSRF token."""

    user: User
    web_session: WebSession

    @property
    def csrf_token(self) -> str:
        """The token forms and htmx send back; derived, so the secret never leaves the server."""
        return csrf_token_for(self.web_session.csrf_secret)


def csrf_token_for(secret: str) -> str:
    """HMAC of a per-session secret under the app's secret key."""
    key = get_settings().secret_bytes
    return hmac.new(key, f"csrf:{secret}".encode(), hashlib.sha256).hexdigest()


def start_session(session: Session, *, user: User, pending_totp: bool = False) -> str:
    """A new session for the user; returns the raw cookie value (shown to nobody else)."""
    assert user.id is not None
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    settings = get_settings()
    lifetime = timedelta(minutes=5) if pending_totp else timedelta(hours=settings.session_hours)
    session.add(
        WebSession(
            id_hash=_digest(raw),
            user_id=user.id,
            csrf_secret=secrets.token_hex(16),
            pending_totp=pending_totp,
            created_at=now,
            expires_at=now + lifetime,
            last_seen_at=now,
        )
    )
    session.flush()
    return raw


def load_session(session: Session, *, raw: str | None, allow_pending: bool = False) -> Login | None:
    """The live login behind a cookie value, or None (unknown, expired, idle, disabled user)."""
    if not raw:
        return None
    row = session.exec(select(WebSession).where(WebSession.id_hash == _digest(raw))).first()
    if row is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=get_settings().session_idle_minutes)
    expires, seen = as_utc(row.expires_at), as_utc(row.last_seen_at)
    assert expires is not None and seen is not None
    user = session.get(User, row.user_id)
    if expires <= now or seen + idle <= now or user is None or user.disabled:
        session.delete(row)
        session.flush()
        return None
    if row.pending_totp and not allow_pending:
        return None
    if now - seen >= TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return Login(user=user, web_session=row)


def end_session(session: Session, *, raw: str | None) -> None:
    """Log out: the row is deleted, so the cookie value is worthless from now on."""
    if raw:
        session.execute(delete(WebSession).where(col(WebSession.id_hash) == _digest(raw)))


def purge_expired(session: Session) -> int:
    """Delete sessions past their absolute expiry; returns how many."""
    result = session.execute(delete(WebSession).where(col(WebSession.expires_at) <= utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]

"""The login flow: throttle check, password, optional TOTP step, fresh session."""

from __future__ import annotations

from sqlmodel import Session

from service.accounts import throttle
from service.accounts.errors import N_, LoginRefused
from service.accounts.passwords import hash_password, needs_rehash, verify_password
from service.accounts.sessions import end_session, load_session, start_session
from service.accounts.totp import code_matches
from service.accounts.users import find_user

WRONG = N_("The email address or password is not right.")
THROTTLED = N_("Too many failed attempts. Try again in %(minutes)s minutes.")


def _refuse_if_throttled(
    counter: throttle.DbFailures | throttle.RedisFailures, keys: list[tuple[str, int]]
) -> None:
    wait = throttle.wait_before_attempt(counter, keys)
    if wait:
        raise LoginRefused(THROTTLED, retry_after_s=wait)


def password_step(
    session: Session, *, email: str, password: str, client_ip: str | None
) -> tuple[str, bool]:
    """Check the password; returns (cookie value, TOTP still needed). Failures are counted.

    The caller must commit even when this raises LoginRefused, so the failure count persists.
    """
    counter = throttle.failures(session)
    keys = throttle.keys_for(email, client_ip)
    _refuse_if_throttled(counter, keys)
    user = find_user(session, email=email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or user.disabled:
        for key, _limit in keys:
            counter.record(key)
        raise LoginRefused(WRONG)
    counter.clear(keys[0][0])
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    pending = user.totp_secret is not None
    return start_session(session, user=user, pending_totp=pending), pending


def totp_step(session: Session, *, raw: str | None, code: str, client_ip: str | None) -> str:
    """Check the second factor of a half-logged-in session; returns the new cookie value."""
    login = load_session(session, raw=raw, allow_pending=True)
    if login is None or not login.web_session.pending_totp:
        raise LoginRefused(N_("Your login has expired. Enter your email and password again."))
    counter = throttle.failures(session)
    keys = throttle.keys_for(login.user.email, client_ip)
    _refuse_if_throttled(counter, keys)
    assert login.user.totp_secret is not None
    if not code_matches(login.user.totp_secret, code):
        for key, _limit in keys:
            counter.record(key)
        raise LoginRefused(N_("The code is not right. Enter the current 6 digits from your app."))
    end_session(session, raw=raw)  # rotate: the pre-TOTP id is not the logged-in id
    return start_session(session, user=login.user)

"""Optional TOTP second factor (RFC 6238, 30 s steps, one step of clock drift allowed)."""

from __future__ import annotations

import pyotp
from sqlmodel import Session

from service.accounts.errors import N_, field_problem
from service.models import User

ISSUER = "Newsdesk"


def new_secret() -> str:
    """A fresh base32 secret for enrolment (not stored until a code proves the app has it)."""
    return pyotp.random_base32()


def provisioning_uri(*, secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app imports (typed in or pasted; no QR needed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def code_matches(secret: str, code: str) -> bool:
    """True when the 6-digit code is valid now (or one step before/after)."""
    code = code.strip().replace(" ", "")
    return code.isdigit() and len(code) == 6 and pyotp.TOTP(secret).verify(code, valid_window=1)


def enrol(session: Session, *, user: User, secret: str, code: str) -> None:
    """Turn TOTP on once the user proves their app produces codes for `secret`."""
    if not code_matches(secret, code):
        raise field_problem("code", N_("The code does not match. Enter the current 6 digits."))
    user.totp_secret = secret
    session.add(user)
    session.flush()


def disable(session: Session, *, user: User) -> None:
    """Turn TOTP off."""
    user.totp_secret = None
    session.add(user)
    session.flush()

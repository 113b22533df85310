"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from service.accounts.errors import N_, field_problem

MIN_LENGTH = 10
MAX_LENGTH = 200  # argon2 handles more, but a megabyte "password" is a denial of service
_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def check_strength(password: str, *, field: str = "password") -> None:
    """Refuse passwords that are too short or too long."""
    if len(password) < MIN_LENGTH:
        raise field_problem(field, N_("Use at least %(n)s characters."), n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise field_problem(field, N_("Use at most %(n)s characters."), n=MAX_LENGTH)


def hash_password(password: str) -> str:
    """An argon2id hash string (salt and parameters included)."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)

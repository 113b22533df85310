"""Address normalisation and keyed hashing for matching and suppression."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from email_validator import EmailNotValidError, validate_email

from service.errors import InvalidInput

FORBIDDEN_CHARS = ("\r", "\n", "\x00")


def normalise_email(raw: str) -> str:
    """Validate syntax (no DNS) and return NFC, domain-lowercased, local-part-lowercased form."""
    if any(c in raw for c in FORBIDDEN_CHARS):
        raise InvalidInput("email address contains a line break or NUL")
    try:
        info = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"invalid email address {raw!r}: {exc}") from exc
    local, _, domain = unicodedata.normalize("NFC", info.normalized).rpartition("@")
    # Local parts are case-sensitive in theory; every real mailbox provider folds them.
    return f"{local.lower()}@{domain.lower()}"


def email_hash(normalised: str, secret: bytes) -> str:
    """HMAC-SHA256 of the normalised address: the suppression key that survives erasure."""
    return hmac.new(secret, normalised.encode(), hashlib.sha256).hexdigest()

"""Signed tokens for unsubscribe, preference and confirmation links (the audience code's port).

Stand-in until the shared `service.mail.tokens` module is merged: plain HMAC-SHA256 over a short
payload, base64url without padding, keyed by settings.secret_bytes. The lead swaps the bodies of
these functions for the real token module; callers depend only on these signatures.
Tokens carry ids, never addresses (STANDARDS B1), and unsubscribe tokens never expire (B6).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from service.settings import get_settings

MAC_BYTES = 16  # 128-bit tag: forging needs 2**128 guesses


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: bytes) -> bytes:
    key = get_settings().secret_bytes
    return hmac.new(key, b"newsdesk-link:" + payload, hashlib.sha256).digest()[:MAC_BYTES]


def _make(kind: str, *numbers: int) -> str:
    """kind and non-negative ints, e.g. 'u.12.7', signed."""
    payload = ".".join([kind, *(str(int(n)) for n in numbers)]).encode()
    return f"{_b64(payload)}.{_b64(_mac(payload))}"


def _decode(token: str, kind: str, arity: int) -> tuple[int, ...] | None:
    """The ints in a genuine token of `kind`, else None (never raises on hostile input)."""
    try:
        body, _, tag = token.partition(".")
        payload, mac = _unb64(body), _unb64(tag)
        if f"{_b64(payload)}.{_b64(mac)}" != token:  # one spelling per token, no padding games
            return None
        if not hmac.compare_digest(mac, _mac(payload)):
            return None
        parts = payload.decode("ascii").split(".")
    except (ValueError, binascii.Error, UnicodeError):
        return None
    if len(parts) != arity + 1 or parts[0] != kind or not all(p.isdigit() for p in parts[1:]):
        return None
    return tuple(int(p) for p in parts[1:])


def make_unsubscribe(subscriber_id: int, campaign_id: int) -> str:
    """Token for the one-click unsubscribe URL of one campaign's mail."""
    return _make("u", subscriber_id, campaign_id)


def decode_unsubscribe(token: str) -> tuple[int, int] | None:
    """(subscriber_id, campaign_id) or None."""
    found = _decode(token, "u", 2)
    return (found[0], found[1]) if found else None


def make_preferences(subscriber_id: int) -> str:
    """Token for the preference centre."""
    return _make("p", subscriber_id)


def decode_preferences(token: str) -> int | None:
    """subscriber_id or None."""
    found = _decode(token, "p", 1)
    return found[0] if found else None


def make_confirm(subscriber_id: int, issued_day: int) -> str:
    """Token for the double opt-in link; issued_day is days since 1970-01-01 (UTC)."""
    return _make("c", subscriber_id, issued_day)


def decode_confirm(token: str) -> tuple[int, int] | None:
    """(subscriber_id, issued_day) or None."""
    found = _decode(token, "c", 2)
    return (found[0], found[1]) if found else None

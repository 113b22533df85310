"""Signed tokens for coordinator answers: `answer+TOKEN@reply_domain` routes back to an inquiry."""

from __future__ import annotations

import base64
import hashlib
import hmac

ANSWER_PREFIX = "answer"


def encode_answer_token(inquiry_id: int, secret: bytes) -> str:
    """`<id>.<mac>`: short, address-safe, unforgeable without the secret."""
    return f"{inquiry_id}.{_mac(str(inquiry_id), secret)}"


def decode_answer_token(token: str, secret: bytes) -> int | None:
    """The inquiry id of a valid token, else None (no oracle: every failure looks the same)."""
    ident, _, mac = token.partition(".")
    if not ident.isdigit() or not hmac.compare_digest(mac, _mac(ident, secret)):
        return None
    return int(ident)


def _mac(value: str, secret: bytes) -> str:
    digest = hmac.new(secret, b"answer:" + value.encode(), hashlib.sha256).digest()[:10]
    return base64.b32encode(digest).decode().rstrip("=").lower()

"""Tokens for coordinator answers: `answer+TOKEN@reply_domain` routes back to an inquiry.

Backed by the shared codec (`service.mail.tokens`, kind COORD_ANSWER): opaque, authenticated,
and case-insensitive, like every other address token.
"""

from __future__ import annotations

from service.mail.tokens import codec_for

ANSWER_PREFIX = "answer"


def encode_answer_token(inquiry_id: int, secret: bytes) -> str:
    """The token for an inquiry's answer address."""
    return codec_for(secret).coord_answer(inquiry_id)


def decode_answer_token(token: str, secret: bytes) -> int | None:
    """The inquiry id of a genuine token, else None (every failure looks the same)."""
    ids = codec_for(secret).decode_coord_answer(token.lower())
    return None if ids is None else ids.inquiry_id

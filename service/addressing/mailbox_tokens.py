"""Tokens in our addresses: VERP (bounces+), reply+, unsubscribe+ and a coordinator's answer+."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from service.addressing.tokens import codec, codec_for


@dataclass(frozen=True)
class ReplyTarget:
    """What a reply token names; announcement_id None or 0 means the whole edition."""

    campaign_id: int | None
    subscriber_id: int | None
    announcement_id: int | None


class TokenDecoder(Protocol):
    """Decodes the address tokens minted by service/addressing/tokens.py."""

    def bounce(self, token: str) -> tuple[int, int] | None:
        """(campaign_id, subscriber_id) of a VERP token."""

    def reply(self, token: str) -> ReplyTarget | None:
        """The target of a reply+ token."""

    def unsubscribe(self, token: str) -> tuple[int, int] | None:
        """(subscriber_id, campaign_id) of an unsubscribe+ (List-Unsubscribe mailto) token."""


class MailTokenDecoder:
    """Decodes the address tokens minted by service/addressing/tokens.py for the send path."""

    def bounce(self, token: str) -> tuple[int, int] | None:
        """(campaign_id, subscriber_id) of a genuine VERP token."""
        ids = codec().decode_verp(token.lower())
        return None if ids is None else (ids.campaign_id, ids.subscriber_id)

    def reply(self, token: str) -> ReplyTarget | None:
        """The campaign, subscriber and announcement (0 = whole edition) a reply token names."""
        ids = codec().decode_reply(token.lower())
        if ids is None:
            return None
        return ReplyTarget(ids.campaign_id, ids.subscriber_id, ids.announcement_id or None)

    def unsubscribe(self, token: str) -> tuple[int, int] | None:
        """(subscriber_id, campaign_id) of a genuine List-Unsubscribe token (same as the URL's)."""
        ids = codec().decode_unsubscribe(token.lower())
        return None if ids is None else (ids.subscriber_id, ids.campaign_id)


def encode_answer_token(inquiry_id: int, secret: bytes) -> str:
    """The token for an inquiry's answer address."""
    return codec_for(secret).coord_answer(inquiry_id)


def decode_answer_token(token: str, secret: bytes) -> int | None:
    """The inquiry id of a genuine token, else None (every failure looks the same)."""
    ids = codec_for(secret).decode_coord_answer(token.lower())
    return None if ids is None else ids.inquiry_id

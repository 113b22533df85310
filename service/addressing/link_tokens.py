"""Tokens in unsubscribe, preference and confirmation links, and their decoders.

Backed by the shared `service.addressing.tokens` codec, so a link in a sent campaign and the pages
that answer it agree on one format: encrypted ids plus a truncated HMAC, no addresses (B1),
and unsubscribe tokens never expire (B6). Every decoder returns None for anything not genuine.
"""

from __future__ import annotations

from service.addressing.tokens import codec


def make_unsubscribe(subscriber_id: int, campaign_id: int) -> str:
    """Token for the one-click unsubscribe URL of one campaign's mail."""
    return codec().unsubscribe(subscriber_id, campaign_id)


def decode_unsubscribe(token: str) -> tuple[int, int] | None:
    """(subscriber_id, campaign_id) of a genuine unsubscribe token."""
    ids = codec().decode_unsubscribe(token)
    return None if ids is None else (ids.subscriber_id, ids.campaign_id)


def make_preferences(subscriber_id: int) -> str:
    """Token for the preference centre link."""
    return codec().preferences(subscriber_id)


def decode_preferences(token: str) -> int | None:
    """subscriber_id of a genuine preferences token."""
    ids = codec().decode_preferences(token)
    return None if ids is None else ids.subscriber_id


def decode_confirm(token: str) -> tuple[int, int] | None:
    """(subscriber_id, issued_day) of a genuine confirmation token; the caller judges expiry."""
    ids = codec().decode_confirm(token)
    return None if ids is None else (ids.subscriber_id, ids.issued_day)

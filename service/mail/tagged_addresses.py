"""Sub-addressed mailboxes carrying tokens: bounces+T@, reply+T@, answer+T@, unsubscribe+T@."""

from __future__ import annotations

from typing import NamedTuple

from service.mail.tokens import TOKEN_LENGTH

BOUNCE_TAG = "bounces"
REPLY_TAG = "reply"
ANSWER_TAG = "answer"
UNSUBSCRIBE_TAG = "unsubscribe"


class TaggedAddress(NamedTuple):
    """The parts of tag+token@domain; the token is lowercased (mail systems may fold case)."""

    tag: str
    token: str
    domain: str


def tagged(tag: str, token: str, domain: str) -> str:
    """Compose tag+token@domain."""
    return f"{tag}+{token}@{domain}"


def verp_address(token: str, bounce_domain: str) -> str:
    """The envelope sender (Return-Path) that maps a bounce to (campaign, subscriber)."""
    return f"{BOUNCE_TAG}+{token}@{bounce_domain}"


def reply_address(token: str, reply_domain: str) -> str:
    """The per-recipient Reply-To / announcement reply address."""
    return f"{REPLY_TAG}+{token}@{reply_domain}"


def answer_address(token: str, reply_domain: str) -> str:
    """The address a coordinator answers an inquiry through."""
    return f"{ANSWER_TAG}+{token}@{reply_domain}"


def unsubscribe_mailto_address(token: str, reply_domain: str) -> str:
    """The mailto: target of List-Unsubscribe (same token as the one-click URL)."""
    return f"{UNSUBSCRIBE_TAG}+{token}@{reply_domain}"


def parse_tagged(address: str) -> TaggedAddress | None:
    """Split tag+token@domain (case-insensitively); None when it is not one of ours in shape."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    tag, plus, token = local.partition("+")
    if not at or not plus or len(token) != TOKEN_LENGTH:
        return None
    return TaggedAddress(tag.lower(), token.lower(), domain.lower())

"""Sub-addressed mailboxes carrying tokens: the one table of tags (bounces+, reply+, answer+,
unsubscribe+), composing such addresses, and finding their tokens in incoming mail."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses
from typing import NamedTuple

from service.addressing.tokens import TOKEN_LENGTH

BOUNCE_TAG = "bounces"
REPLY_TAG = "reply"
ANSWER_TAG = "answer"
UNSUBSCRIBE_TAG = "unsubscribe"  # the mailto: of List-Unsubscribe (RFC 2369)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._=-]{1,200}$")
_ADDR_RE = re.compile(r"[\w.+=-]+@[\w.-]+\.[A-Za-z]{2,}")


class TaggedAddress(NamedTuple):
    """The parts of tag+token@domain; the token is lowercased (mail systems may fold case)."""

    tag: str
    token: str
    domain: str


def bounce_mailbox(bounce_domain: str) -> str:
    """The untagged envelope sender of mail that is about no one campaign (notices, hand-offs)."""
    return f"{BOUNCE_TAG}@{bounce_domain}"


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


def extract_token(address: str, prefix: str, domain: str | None = None) -> str | None:
    """The TOKEN of `prefix+TOKEN@domain` (domain checked when given), else None."""
    _, addr = getaddresses([address])[0] if address else ("", "")
    addr = (addr or address or "").strip().strip("<>")
    local, at, addr_domain = addr.rpartition("@")
    if not at or (domain is not None and addr_domain.lower() != domain.lower()):
        return None
    head, plus, token = local.partition("+")
    if not plus or head.lower() != prefix.lower() or not _TOKEN_RE.match(token):
        return None
    return token


def tokens_in(addresses: Iterable[str], prefix: str, domain: str | None = None) -> list[str]:
    """Distinct tokens of `prefix` found in the given addresses, in order."""
    found: list[str] = []
    for address in addresses:
        token = extract_token(address, prefix, domain)
        if token and token not in found:
            found.append(token)
    return found


def addresses_in_text(text: str, prefix: str) -> list[str]:
    """Addresses shaped `prefix+...@...` anywhere in text (e.g. the returned original headers)."""
    needle = prefix.lower() + "+"
    return [a for a in _ADDR_RE.findall(text) if a.lower().startswith(needle)]

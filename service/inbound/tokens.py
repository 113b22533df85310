"""Find our VERP and reply tokens in addresses: `bounces+TOKEN@bounce_domain`, `reply+TOKEN@...`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses

BOUNCE_PREFIX = "bounces"
REPLY_PREFIX = "reply"
UNSUBSCRIBE_PREFIX = "unsubscribe"  # the mailto: of List-Unsubscribe (RFC 2369)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._=-]{1,200}$")
_ADDR_RE = re.compile(r"[\w.+=-]+@[\w.-]+\.[A-Za-z]{2,}")


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

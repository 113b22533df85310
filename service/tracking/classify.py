"""Machine vs human: mailbox proxies that fetch every pixel, and scanners that follow every link.

Opens (STANDARDS D8): Apple Mail Privacy Protection fetches images through Apple's proxies with
the bare user agent ``Mozilla/5.0``; Gmail through ``GoogleImageProxy`` (``via ggpht.com``);
Yahoo through ``YahooMailProxy``; Outlook.com through a proxy whose user agent is a frozen Edge 12
string ending in ``Edge/12.246 Mozilla/5.0``. Clicks: security gateways (Microsoft Defender Safe
Links, Mimecast, Proofpoint, Barracuda...) follow links seconds after delivery, often every link
of a message within the same second, sometimes with telling user agents.

The network list is deliberately short and documented: it backs up the user-agent test, it does
not replace it (proxy egress ranges change; a stale list only lowers recall, never flags humans
outside those networks).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

# (network, owner, why it is listed). Sources: Apple's AS714 block (MPP fetches from Apple and
# partner CDNs; 17/8 is Apple's own), Google's published mail/image-proxy blocks, Yahoo's
# AS36646/AS26101 mail blocks, Microsoft Exchange Online Protection / Outlook.com outbound blocks.
PROXY_NETWORKS: tuple[tuple[str, str, str], ...] = (
    ("17.0.0.0/8", "apple", "Apple AS714, Mail Privacy Protection fetchers"),
    ("66.102.0.0/20", "google", "GoogleImageProxy egress"),
    ("66.249.80.0/20", "google", "GoogleImageProxy egress"),
    ("74.125.0.0/16", "google", "Google mail infrastructure"),
    ("98.136.0.0/14", "yahoo", "Yahoo mail proxy egress"),
    ("67.195.0.0/16", "yahoo", "Yahoo mail infrastructure"),
    ("40.92.0.0/15", "microsoft", "Outlook.com / EOP"),
    ("40.107.0.0/16", "microsoft", "Exchange Online Protection"),
    ("52.100.0.0/14", "microsoft", "Exchange Online Protection"),
    ("104.47.0.0/17", "microsoft", "Exchange Online Protection"),
)
_NETWORKS = tuple((ipaddress.ip_network(cidr), owner) for cidr, owner, _why in PROXY_NETWORKS)

APPLE_MPP_UA = "Mozilla/5.0"
# Substrings (lower case) of user agents of image proxies: owner -> markers.
OPEN_PROXY_UA: tuple[tuple[str, str], ...] = (
    ("googleimageproxy", "google_proxy"),
    ("ggpht.com", "google_proxy"),
    ("yahoomailproxy", "yahoo_proxy"),
    ("edge/12.246 mozilla/5.0", "microsoft_proxy"),
)
# Substrings (lower case) of user agents of link scanners, fetch libraries and crawlers.
SCANNER_UA: tuple[str, ...] = (
    "barracuda",
    "mimecast",
    "proofpoint",
    "urldefense",
    "safelinks",
    "trendmicro",
    "symantec",
    "forcepoint",
    "fireeye",
    "sophos",
    "cisco",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "curl/",
    "wget/",
    "okhttp",
    "java/",
    "libwww",
    "bot",
    "spider",
    "crawler",
    "scanner",
    "preview",
    "ms-office protocol discovery",
)


@dataclass(frozen=True)
class Verdict:
    """Whether a machine made the request, and the short reason stored with the event."""

    machine: bool
    reason: str


HUMAN = Verdict(False, "")


@lru_cache(maxsize=65_536)
def proxy_owner(ip: str | None) -> str | None:
    """The operator of a known mailbox-proxy network the address is in, or None."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    for network, owner in _NETWORKS:
        if address.version == network.version and address in network:
            return owner
    return None


def classify_open(user_agent: str, ip: str | None) -> Verdict:
    """Classify one pixel fetch by user agent first, then by proxy network."""
    ua = user_agent.strip()
    lowered = ua.lower()
    owner = proxy_owner(ip)
    if ua == APPLE_MPP_UA:
        # The bare UA is MPP's signature; Apple's network confirms it but is not required.
        return Verdict(True, "apple_mpp" if owner == "apple" else "apple_mpp_ua")
    for marker, reason in OPEN_PROXY_UA:
        if marker in lowered:
            return Verdict(True, reason)
    if owner is not None:
        return Verdict(True, f"{owner}_network")
    if not ua:
        return Verdict(True, "no_user_agent")
    return HUMAN


def classify_click(
    user_agent: str,
    ip: str | None,
    *,
    seconds_after_delivery: float | None,
    links_in_burst: int,
    prefetch: bool,
    scanner_window_s: float,
    burst_links: int,
) -> Verdict:
    """Classify one redirect request; links_in_burst counts distinct links of the message clicked
    within the burst window around this click (this one included)."""
    lowered = user_agent.strip().lower()
    if prefetch:
        return Verdict(True, "prefetch")
    if not lowered:
        return Verdict(True, "no_user_agent")
    for marker in SCANNER_UA:
        if marker in lowered:
            return Verdict(True, "scanner_ua")
    if seconds_after_delivery is not None and seconds_after_delivery < scanner_window_s:
        return Verdict(True, "too_soon")
    if links_in_burst >= burst_links:
        return Verdict(True, "burst")
    if proxy_owner(ip) == "microsoft":
        return Verdict(True, "microsoft_network")
    return HUMAN


PREFETCH_HEADERS: tuple[tuple[str, str], ...] = (
    ("purpose", "prefetch"),
    ("sec-purpose", "prefetch"),
    ("x-purpose", "preview"),
    ("x-moz", "prefetch"),
)


def is_prefetch(headers: Mapping[str, str]) -> bool:
    """True when the request announces itself as a prefetch or preview (lower-case header names)."""
    for name, marker in PREFETCH_HEADERS:
        value = headers.get(name)
        if value and marker in value.lower():
            return True
    return False

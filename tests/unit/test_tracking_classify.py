"""Machine vs human on sample requests (STANDARDS D8): mailbox proxies, scanners, prefetches."""

from __future__ import annotations

import pytest

from service.tracking.classify import classify_click, classify_open, is_prefetch, proxy_owner

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
APPLE_MAIL = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)"
)
GMAIL_PROXY = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
)
YAHOO_PROXY = (
    "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/42.0.2311.135 Safari/537.36 Edge/12.10136 YahooMailProxy; "
    "https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html"
)
OUTLOOK_PROXY = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/42.0.2311.135 Safari/537.36 Edge/12.246 Mozilla/5.0"
)
BARRACUDA = "Mozilla/5.0 (compatible; Barracuda Sentinel)"

OPENS = [
    # (user agent, ip, machine, reason)
    ("Mozilla/5.0", "17.58.100.4", True, "apple_mpp"),
    ("Mozilla/5.0", "104.28.40.1", True, "apple_mpp_ua"),  # MPP via a partner CDN
    (GMAIL_PROXY, "66.249.84.10", True, "google_proxy"),
    (GMAIL_PROXY, "203.0.113.9", True, "google_proxy"),
    (YAHOO_PROXY, "98.137.10.1", True, "yahoo_proxy"),
    (OUTLOOK_PROXY, "52.101.2.3", True, "microsoft_proxy"),
    (FIREFOX, "40.92.1.1", True, "microsoft_network"),
    ("", "198.51.100.7", True, "no_user_agent"),
    (APPLE_MAIL, "17.1.2.3", True, "apple_network"),
    (APPLE_MAIL, "93.184.216.34", False, ""),  # Apple Mail without MPP, at home
    (FIREFOX, "2001:db8::1", False, ""),
    (FIREFOX, None, False, ""),
    (FIREFOX, "not-an-ip", False, ""),
]


@pytest.mark.parametrize(("ua", "ip", "machine", "reason"), OPENS)
def test_open_classification(ua: str, ip: str | None, machine: bool, reason: str) -> None:
    verdict = classify_open(ua, ip)
    assert (verdict.machine, verdict.reason) == (machine, reason)


CLICKS = [
    # (user agent, ip, seconds after delivery, links in burst, prefetch, machine, reason)
    (FIREFOX, "93.184.216.34", 3600.0, 1, False, False, ""),
    (FIREFOX, "93.184.216.34", None, 1, False, False, ""),  # aggregate: no delivery known
    (FIREFOX, "93.184.216.34", 2.5, 1, False, True, "too_soon"),
    (FIREFOX, "93.184.216.34", 3600.0, 4, False, True, "burst"),
    (FIREFOX, "93.184.216.34", 3600.0, 2, False, False, ""),
    (BARRACUDA, "93.184.216.34", 3600.0, 1, False, True, "scanner_ua"),
    ("python-requests/2.32.3", "93.184.216.34", 3600.0, 1, False, True, "scanner_ua"),
    ("Mozilla/5.0 HeadlessChrome/120.0", "93.184.216.34", 3600.0, 1, False, True, "scanner_ua"),
    (FIREFOX, "93.184.216.34", 3600.0, 1, True, True, "prefetch"),
    (FIREFOX, "40.107.22.1", 3600.0, 1, False, True, "microsoft_network"),
    ("", "93.184.216.34", 3600.0, 1, False, True, "no_user_agent"),
]  # fmt: skip


@pytest.mark.parametrize(("ua", "ip", "after", "burst", "prefetch", "machine", "reason"), CLICKS)
def test_click_classification(
    ua: str, ip: str, after: float | None, burst: int, prefetch: bool, machine: bool, reason: str
) -> None:
    verdict = classify_click(
        ua,
        ip,
        seconds_after_delivery=after,
        links_in_burst=burst,
        prefetch=prefetch,
        scanner_window_s=10.0,
        burst_links=3,
    )
    assert (verdict.machine, verdict.reason) == (machine, reason)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"sec-purpose": "prefetch;prerender"}, True),
        ({"purpose": "prefetch"}, True),
        ({"x-moz": "prefetch"}, True),
        ({"x-purpose": "preview"}, True),
        ({"user-agent": FIREFOX}, False),
        ({}, False),
    ],
)
def test_prefetch_headers(headers: dict[str, str], expected: bool) -> None:
    assert is_prefetch(headers) is expected


def test_proxy_owner_ignores_other_address_families() -> None:
    assert proxy_owner("::ffff:1.2.3.4") is None
    assert proxy_owner("17.0.0.1") == "apple"

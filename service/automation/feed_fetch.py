"""Fetching a partner feed: conditional GET, a timeout, a size limit, http(s) only."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from service.accounts.errors import N_
from service.errors import ExplainedInvalid

USER_AGENT = "Newsdesk feed reader (+partner news into draft announcements)"
CHUNK = 64 * 1024


class FeedFetchError(Exception):
    """The feed could not be fetched; the message is shown on the feed's page."""


@dataclass(frozen=True)
class Fetched:
    """A response: 304 (unchanged, no body) or 200 with the body and the validators to keep."""

    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def check_url(url: str) -> str:
    """Only absolute http(s) URLs may be registered."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExplainedInvalid(
            "feed URL: an absolute http:// or https:// address, please",
            msgid=N_("Feed URL: an absolute http:// or https:// address, please."),
        )
    return url.strip()


def fetch(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout_s: float,
    max_bytes: int,
) -> Fetched:
    """GET with If-None-Match / If-Modified-Since; a body over max_bytes is refused unread."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(check_url(url), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > max_bytes:
                raise FeedFetchError(f"feed too large: {declared} bytes (limit {max_bytes})")
            body = _read_limited(response, max_bytes)
            return Fetched(
                200, body, response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(304)
        raise FeedFetchError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FeedFetchError(f"could not fetch the feed: {reason}") from exc


def _read_limited(response: object, max_bytes: int) -> bytes:
    """Read at most max_bytes; more means the feed is refused (no partial parse)."""
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = response.read(CHUNK)  # type: ignore[attr-defined]
        if not chunk:
            return b"".join(parts)
        total += len(chunk)
        if total > max_bytes:
            raise FeedFetchError(f"feed too large: more than {max_bytes} bytes")
        parts.append(chunk)

"""A partner feed on loopback: serves whatever the test sets, honours ETag and Last-Modified."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FeedState:
    """What the server answers; `requests` records the conditional headers it saw."""

    body: bytes = b""
    etag: str = '"v1"'
    last_modified: str = "Tue, 01 Dec 2026 08:00:00 GMT"
    status: int = 200
    requests: list[dict[str, str | None]] = field(default_factory=list)


@contextmanager
def feed_server(state: FeedState) -> Iterator[str]:
    """Yield the feed's URL while a threaded HTTP server serves `state`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen = {h: self.headers.get(h) for h in ("If-None-Match", "If-Modified-Since")}
            state.requests.append(seen)
            if state.status != 200:
                self.send_response(state.status)
                self.end_headers()
                return
            if seen["If-None-Match"] == state.etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", state.etag)
            self.send_header("Last-Modified", state.last_modified)
            self.send_header("Content-Length", str(len(state.body)))
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    finally:
        server.shutdown()
        server.server_close()


def rss(*items: tuple[str, str, str, str], language: str = "en") -> bytes:
    """An RSS 2.0 document of (guid, title, link, description-html) items."""
    from xml.sax.saxutils import escape

    body = "".join(
        f"<item><guid>{escape(g)}</guid><title>{escape(t)}</title><link>{escape(li)}</link>"
        f"<description>{escape(d)}</description></item>"
        for g, t, li, d in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Partner</title>'
        f"<language>{language}</language>{body}</channel></rss>"
    ).encode()

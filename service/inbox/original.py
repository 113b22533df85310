"""The subscriber's full original, made safe to show: sanitised HTML, remote content blocked.

nh3 keeps an allowlist of harmless tags; every `src` is dropped (no remote images, no
tracking pixels), links lose their targets' power (rel=noopener noreferrer), and the page
that serves it sends a CSP allowing no scripts, frames, fonts or network fetches at all.
"""

from __future__ import annotations

import html

import nh3

from service.inbound.reading.parse import parse_message, part_text, walk_safely

# Served with the frame: nothing may load, nothing may run; inline styles only.
ORIGINAL_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
_TAGS = {
    "a", "b", "blockquote", "br", "div", "em", "i", "li", "ol", "p", "pre", "span", "strong",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul", "h1", "h2", "h3", "h4", "hr", "code",
}  # fmt: skip


def sanitised_original(raw: bytes) -> str:
    """A standalone HTML document of the original: its HTML part cleaned, else its text."""
    try:
        msg = parse_message(raw)
    except Exception:
        return _page(f"<pre>{html.escape(raw.decode('utf-8', 'replace'))}</pre>")
    html_part = plain = None
    for part in walk_safely(msg, into_embedded=False):
        ctype = part.get_content_type()
        if ctype == "text/html" and html_part is None:
            html_part = part_text(part)
        elif ctype == "text/plain" and plain is None:
            plain = part_text(part)
    headers = "".join(
        f"<div><b>{html.escape(name)}:</b> {html.escape(str(msg.get(name, '')))}</div>"
        for name in ("From", "To", "Date", "Subject")
        if msg.get(name)
    )
    if html_part:
        body = nh3.clean(
            html_part,
            tags=_TAGS,
            attributes={"a": {"href"}},
            link_rel="noopener noreferrer nofollow",
        )
    else:
        body = f"<pre>{html.escape(plain or '')}</pre>"
    return _page(f"<header>{headers}</header><hr>{body}")


def _page(body: str) -> str:
    """Wrap in a minimal document (the frame has its own CSP)."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:8px}"
        "pre{white-space:pre-wrap}</style>"
        f"</head><body>{body}</body></html>"
    )

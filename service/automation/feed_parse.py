"""Parsing RSS 2.0 and Atom safely: defusedxml (no DTD, no entities), then the nh3 allowlist.

Nothing from a feed is trusted: titles become plain text, summaries pass the same sanitiser
as announcement Markdown (scripts dropped with their content, javascript: links removed) and
are turned into Markdown for the editor; a link is kept only when it is absolute http(s).
"""

from __future__ import annotations

import hashlib
import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

import html2text
import nh3
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from service.rendering.markdown import sanitize_html

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GERMAN_HINTS = frozenset(
    {
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "mit",
        "für",
        "ein",
        "eine",
        "auf",
        "den",
        "von",
        "zu",
        "im",
        "des",
        "sich",
        "dem",
        "wir",
        "über",
    }
)
ENGLISH_HINTS = frozenset(
    {
        "the",
        "and",
        "is",
        "not",
        "with",
        "for",
        "a",
        "an",
        "on",
        "of",
        "to",
        "in",
        "we",
        "about",
        "this",
    }
)


class FeedParseError(Exception):
    """The document is not a feed we accept; the message is shown on the feed's page."""


@dataclass(frozen=True)
class FeedEntry:
    """One item, already made safe."""

    guid_hash: str
    title: str
    summary_markdown: str
    link: str | None
    language: str | None  # from the item or the feed, if it says


def parse_feed(body: bytes, *, max_items: int) -> list[FeedEntry]:
    """Items of an RSS or Atom document, newest as the feed orders them, at most max_items."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedParseError(f"refused: the feed declares a DTD or entities ({exc})") from exc
    except ET.ParseError as exc:
        raise FeedParseError(f"not well-formed XML: {exc}") from exc
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FeedParseError("RSS without a channel")
        default = _language(channel.findtext("language"))
        items = [_rss_item(i, default) for i in channel.findall("item")[:max_items]]
    elif root.tag == f"{ATOM}feed":
        default = _language(root.get(XML_LANG))
        items = [_atom_entry(e, default) for e in root.findall(f"{ATOM}entry")[:max_items]]
    else:
        raise FeedParseError(f"not an RSS or Atom feed (root element {root.tag!r})")
    return [i for i in items if i is not None]


def _rss_item(item: ET.Element, default: str | None) -> FeedEntry | None:
    link = item.findtext("link")
    key = item.findtext("guid") or link or item.findtext("title")
    return _entry(key, item.findtext("title"), item.findtext("description"), link, default)


def _atom_entry(entry: ET.Element, default: str | None) -> FeedEntry | None:
    links = entry.findall(f"{ATOM}link")
    chosen = next((x for x in links if x.get("rel", "alternate") == "alternate"), None)
    link = chosen.get("href") if chosen is not None else None
    summary = entry.findtext(f"{ATOM}summary") or entry.findtext(f"{ATOM}content")
    language = _language(entry.get(XML_LANG)) or default
    key = entry.findtext(f"{ATOM}id") or link
    return _entry(key, entry.findtext(f"{ATOM}title"), summary, link, language)


def _entry(
    key: str | None, title: str | None, summary: str | None, link: str | None, lang: str | None
) -> FeedEntry | None:
    clean_title = plain_text(title or "")[:300]
    if not key or not clean_title:
        return None  # nothing to identify or show
    return FeedEntry(
        guid_hash=hashlib.sha256(key.strip().encode()).hexdigest(),
        title=clean_title,
        summary_markdown=summary_markdown(summary or ""),
        link=safe_link(link),
        language=lang,
    )


def plain_text(fragment: str) -> str:
    """Tags stripped (script and style with their content), entities decoded, spaces folded."""
    text = nh3.clean(fragment, tags=set(), clean_content_tags={"script", "style"})
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def summary_markdown(fragment: str) -> str:
    """Sanitise with the announcement allowlist, then Markdown for the editor (<= 4000 chars)."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    return converter.handle(sanitize_html(fragment)).strip()[:4000]


def safe_link(link: str | None) -> str | None:
    """An absolute http(s) link, else None (javascript:, data:, relative ... are dropped)."""
    if not link:
        return None
    link = link.strip()
    parts = urlsplit(link)
    return link[:2000] if parts.scheme in ("http", "https") and parts.netloc else None


def _language(value: str | None) -> str | None:
    code = (value or "").strip().lower()[:2]
    return code if code in ("de", "en") else None


def detect_language(text: str) -> str:
    """German or English by common words (feeds of the two partners are one or the other)."""
    words = re.findall(r"[a-zäöüß]+", text.lower())
    german = sum(w in GERMAN_HINTS for w in words) + 2 * sum(c in "äöüß" for c in text.lower())
    english = sum(w in ENGLISH_HINTS for w in words)
    return "de" if german > english else "en"

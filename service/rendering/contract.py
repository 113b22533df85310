"""What the renderer takes and gives: plain data, so assembly, rendering and sending stay apart.

Filling conventions (the sending code substitutes bytes after inlining, in HTML and text):
- NAME: the template writes "Hello{NAME}," / "Hallo{NAME},"; fill with `greeting_name_value(name)`,
  i.e. " Ada" (leading space) or "" for no name, giving "Hello Ada," or "Hello,". HTML-escape the
  value for the HTML part only.
- UNSUBURL, PREFSURL, WEBURL: absolute https URLs (HTML-escape `&` in the HTML part).
- REPLY{n}: the bare reply address reply+TOKEN@domain of the n-th announcement; it stands in
  `mailto:REPLY{n}?subject=...` in both parts.
- LINK{n}: the URL the reader follows for `RenderedEdition.links[n]` (the original URL, or a
  tracked redirect when the subscriber consented to tracking).
- PIXEL: an <img> tag or ''. It is the last element of the HTML body and absent from the text part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

# Personal values are filled in after rendering and inlining, per recipient. Placeholders are
# plain alphanumeric names because html2text escapes brackets and underscores.
PLACEHOLDER_PREFIX = "NDPH"
PLACEHOLDER_SUFFIX = "HPDN"
PLACEHOLDER_RE = re.compile(f"{PLACEHOLDER_PREFIX}[A-Z0-9]+{PLACEHOLDER_SUFFIX}")


def placeholder(key: str) -> str:
    """The marker for a per-recipient value, e.g. placeholder('UNSUBURL') -> 'NDPHUNSUBURLHPDN'."""
    if not key.isalnum() or not key.isupper():
        raise ValueError(f"placeholder keys are upper-case alphanumerics, got {key!r}")
    return f"{PLACEHOLDER_PREFIX}{key}{PLACEHOLDER_SUFFIX}"


# Keys every edition uses. Per announcement n (0-based position in the edition): REPLY{n} is the
# reply address (reply+TOKEN@domain). Per tracked link n: LINK{n} is the URL the reader follows.
NAME = "NAME"  # greeting name, HTML-escaped at fill time; empty -> generic greeting text
UNSUBURL = "UNSUBURL"
PREFSURL = "PREFSURL"
WEBURL = "WEBURL"
PIXEL = "PIXEL"  # an <img> tag or the empty string (no tracking consent)
_NEUTRALISED = {"Cc", "Cs", "Zl", "Zp"}  # categories a name never carries into a mail


def clean_name(name: str | None) -> str:
    """A greeting name with control characters and line breaks neutralised to spaces."""
    if not name:
        return ""
    # Controls, line/paragraph separators and lone surrogates go; joiners (Cf) stay for scripts
    # and emoji that need them.
    cleaned = "".join(" " if unicodedata.category(c) in _NEUTRALISED else c for c in name)
    return " ".join(cleaned.split())


def greeting_name_value(name: str | None) -> str:
    """Value for NAME: " Ada" for a named reader, "" otherwise (the greeting reads "Hello,")."""
    cleaned = clean_name(name)  # the one rule: also drops CR/LF a merge field must never carry
    return f" {cleaned}" if cleaned else ""


def reply_key(n: int) -> str:
    """Placeholder key of the n-th announcement's reply address."""
    return f"REPLY{n}"


def link_key(n: int) -> str:
    """Placeholder key of the n-th rewritten link."""
    return f"LINK{n}"


@dataclass(frozen=True)
class AnnouncementView:
    """One announcement as the template sees it, already in the edition's language."""

    id: int
    title: str
    summary_html: str
    body_html: str
    topic: str
    coordinator_name: str
    cta_url: str | None = None
    cta_label: str | None = None
    image_url: str | None = None
    image_alt: str = ""
    fallback_language: str | None = None  # set when the text is shown in the other language


@dataclass(frozen=True)
class OrgIdentity:
    """Who sends: footer identity required by CAN-SPAM and the German Impressum."""

    legal_name: str
    postal_address: str
    public_url: str
    asset_hosts: tuple[str, ...] = ()  # image hosts besides public_url's host (our own CDN only)


@dataclass(frozen=True)
class Brand:
    """The look of editions and public pages in one language (from settings, never templates)."""

    masthead: str = ""  # empty: the legal name stands under the list name
    logo_url: str = ""
    logo_alt: str = ""
    primary: str = "#0b3d6b"
    accent: str = "#0b5394"
    privacy_url: str = ""
    imprint_url: str = ""
    contact_url: str = ""


@dataclass(frozen=True)
class EditionInput:
    """Everything needed to render one edition (one language x announcement set)."""

    language: str
    subject: str
    list_name: str
    org: OrgIdentity
    announcements: tuple[AnnouncementView, ...]
    intro_html: str = ""
    preheader: str = ""
    brand: Brand = field(default_factory=Brand)
    issued: date | None = None  # shown in the masthead, formatted per locale


@dataclass(frozen=True)
class RenderedEdition:
    """An inlined HTML document and a text part, both holding placeholders, plus link targets."""

    html: str
    text: str
    links: tuple[str, ...] = field(default_factory=tuple)  # original URL of LINK{n}
    # Position (in EditionInput.announcements) of the announcement holding LINK{n}; None for links
    # outside any announcement. Lets click reports count per announcement.
    link_announcements: tuple[int | None, ...] = field(default_factory=tuple)

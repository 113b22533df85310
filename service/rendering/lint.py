"""Lint a rendered edition before sending: STANDARDS E1-E9 plus caniemail client support."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import cssutils
import lxml.html

from service.rendering.caniemail import load_features
from service.rendering.contract import (
    PLACEHOLDER_RE,
    UNSUBURL,
    placeholder,
)
from service.rendering.email_features import FeatureUse, find_features
from service.settings import get_settings

FORBIDDEN_ELEMENTS = frozenset(
    {"script", "form", "iframe", "object", "embed", "svg", "frame", "frameset", "applet", "base"}
)
STYLE_LIMIT = 16_384  # Gmail drops <style> beyond 16 KB
SIZE_LIMIT = 100_000  # Gmail clips at about 102 KB
SIZE_BUDGET = 90_000
FILL_LENGTH = 200  # longest plausible personal value (name, token URL)
LINK_TEXT_DENYLIST = frozenset(
    {
        "hier",
        "click here",
        "mehr",
        "here",
        "more",
        "read more",
        "weiterlesen",
        "hier klicken",
        "klicken sie hier",
        "link",
    }
)
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif"})
PREHEADER_STYLES = ("display:none", "max-height:0", "overflow:hidden", "mso-hide:all")
# Features a target client lacks but whose absence does no harm, with the reason (E2, E6, E7).
GRACEFUL = {
    "html-doctype": "clients that drop the doctype still render the table layout",
    "html-lang": "a language hint for screen readers (E6); ignored where unsupported",
    "html-role": "an accessibility hint (E6); ignored where unsupported",
    "html-body": "body colours are repeated on the outer table",
    "html-meta-color-scheme": "a hint to clients that support dark mode",
    "html-style": "only media queries stay in <style>; all other CSS is inlined (E1)",
}
PREHEADER_FALLBACK = "the preheader hides itself with redundant fallbacks (E8)"


@dataclass(frozen=True)
class LintProblem:
    """One finding: errors block scheduling, warnings are shown in the preview."""

    level: Literal["error", "warning"]
    code: str
    message: str


def _error(code: str, message: str) -> LintProblem:
    return LintProblem("error", code, message)


def _warning(code: str, message: str) -> LintProblem:
    return LintProblem("warning", code, message)


def default_allowed_hosts() -> set[str]:
    """Our own hosts: the public URL's host and the configured asset hosts."""
    settings = get_settings()
    hosts = {h.lower() for h in settings.asset_hosts}
    public = urlsplit(settings.public_url).hostname
    return hosts | ({public.lower()} if public else set())


def fill_longest(html: str) -> str:
    """Substitute every placeholder with a 200-character value, as the longest personalisation."""
    return PLACEHOLDER_RE.sub("x" * FILL_LENGTH, html)


def lint_edition(
    html: str,
    *,
    subject: str,
    allowed_hosts: Iterable[str] | None = None,
    text: str | None = None,
    postal_address: str | None = None,
) -> list[LintProblem]:
    """Every problem found in an inlined edition (placeholders unfilled), errors first.

    Given the text part and the configured postal address, it also checks B6/C6/D9: both parts
    carry the unsubscribe link and the address, and the text part holds every HTML link.
    """
    hosts = set(allowed_hosts) if allowed_hosts is not None else default_allowed_hosts()
    doc = lxml.html.document_fromstring(html)
    problems = [
        *_check_parts(doc, html, text, postal_address),
        *_check_size(html),
        *_check_document(doc),
        *_check_elements(doc),
        *_check_styles(doc),
        *_check_urls(doc, hosts),
        *_check_accessibility(doc),
        *_check_preheader(doc, subject),
        *_check_client_support(html),
    ]
    return sorted(problems, key=lambda p: p.level != "error")


def _check_size(html: str) -> Iterator[LintProblem]:
    """E4: under 100 KB after the longest personalisation; footer inside the first 100 KB."""
    filled = fill_longest(html).encode("utf-8")
    if len(filled) >= SIZE_LIMIT:
        yield _error(
            "size", f"HTML is {len(filled)} bytes after personalisation (limit {SIZE_LIMIT}"
        )
    elif len(filled) >= SIZE_BUDGET:
        yield _warning("size", f"HTML is {len(filled)} bytes after personalisation (budget 90 KB)")
    unsub = html.find(placeholder(UNSUBURL))
    if unsub < 0:
        yield _error("unsubscribe", "no unsubscribe link (B6)")
    elif len(fill_longest(html[:unsub]).encode("utf-8")) >= SIZE_LIMIT:
        yield _error("size", "the unsubscribe link lies beyond Gmail's clipping point")


def _check_parts(
    doc: Any, html: str, text: str | None, address: str | None
) -> Iterator[LintProblem]:
    """B6/C6/D9/E5: address in both parts; text has every link and is not a stub."""
    if address is not None:
        if not address.strip():
            yield _error("postal-address", "no postal address configured (D9)")
        elif address not in html or (text is not None and address not in text):
            yield _error("postal-address", "the postal address is missing from a part (D9)")
    if text is None:
        return
    for href in {a.get("href") for a in doc.iter("a") if a.get("href")}:
        if href not in text:
            yield _error("text-part", f"link missing from the text part: {href[:80]}")
    body = doc.find("body")
    visible = (
        " ".join(" ".join(el.text_content() for el in list(body)[1:]).split())
        if body is not None
        else ""
    )
    if len(text) <= 0.3 * len(visible):
        yield _error(
            "text-part", f"text part ({len(text)} chars) is a stub of the HTML ({len(visible)})"
        )


def _check_document(doc: Any) -> Iterator[LintProblem]:
    """E6: lang, charset, title."""
    if doc.get("lang") not in {"de", "en"}:
        yield _error("lang", f"<html lang> must be de or en, got {doc.get('lang')!r}")
    if not doc.xpath("//head/meta[translate(@charset,'UTF','utf')='utf-8']"):
        yield _error("charset", 'missing <meta charset="utf-8">')
    if not (doc.findtext(".//head/title") or "").strip():
        yield _error("title", "missing <title>")


def _check_elements(doc: Any) -> Iterator[LintProblem]:
    """E9: elements that clients strip or flag."""
    for el in doc.iter():
        if isinstance(el.tag, str) and el.tag.lower().split("}")[-1] in FORBIDDEN_ELEMENTS:
            yield _error("forbidden-element", f"<{el.tag}> is not allowed in email")


def _check_styles(doc: Any) -> Iterator[LintProblem]:
    """E1: <style> only in head, only media queries, under 16 KB in total."""
    styles = list(doc.iter("style"))
    total = sum(len((s.text or "").encode("utf-8")) for s in styles)
    if total >= STYLE_LIMIT:
        yield _error("style-size", f"<style> blocks total {total} bytes (limit {STYLE_LIMIT})")
    for style in styles:
        if style.getparent() is None or style.getparent().tag != "head":
            yield _error("style-in-body", "<style> outside <head> is dropped by Gmail")
        for rule in cssutils.parseString(style.text or "", validate=False):
            if rule.type not in {rule.MEDIA_RULE, rule.COMMENT}:
                yield _error("style-not-inlined", f"rule left in <style>: {rule.cssText[:80]}")


def _url_problem(url: str, hosts: set[str], *, resource: bool) -> str | None:
    """Why a URL is not acceptable, or None."""
    if not url or PLACEHOLDER_RE.fullmatch(url) or url.lower().startswith(("mailto:", "#")):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        return f"scheme {parts.scheme!r} not allowed: {url[:80]}"
    host = (parts.hostname or "").lower()
    try:
        ipaddress.ip_address(host)
        return f"bare IP address: {url[:80]}"
    except ValueError:
        pass
    if parts.port is not None:
        return f"explicit port: {url[:80]}"
    if resource and host not in hosts:
        return f"remote resource outside our hosts ({', '.join(sorted(hosts))}): {url[:80]}"
    return None


def _check_urls(doc: Any, hosts: set[str]) -> Iterator[LintProblem]:
    """D4/E9: resources only from our hosts; no bare IPs or ports; PNG/JPEG/GIF images only."""
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for attr, resource in (("href", el.tag == "link"), ("src", True), ("background", True)):
            problem = _url_problem((el.get(attr) or "").strip(), hosts, resource=resource)
            if problem:
                yield _error("url", f"<{el.tag} {attr}>: {problem}")
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", el.get("style", "") + (el.text or "")):
            problem = _url_problem(url.strip(), hosts, resource=True)
            if problem:
                yield _error("url", f"CSS url() in <{el.tag}>: {problem}")
    for img in doc.iter("img"):
        src = img.get("src", "")
        ext = urlsplit(src).path.rsplit(".", 1)[-1].lower() if "." in src else ""
        if not PLACEHOLDER_RE.fullmatch(src) and ext not in IMAGE_EXTENSIONS:
            yield _error("image-type", f"image must be PNG, JPEG or GIF: {src[:80]}")


def _check_accessibility(doc: Any) -> Iterator[LintProblem]:
    """E6: layout tables, alt text, link text, heading order."""
    for table in doc.iter("table"):
        if not table.xpath(".//th") and table.get("role") != "presentation":
            yield _error("table-role", 'layout <table> without role="presentation"')
    for img in doc.iter("img"):
        if img.get("alt") is None:
            yield _error("img-alt", f"<img src={img.get('src', '')[:60]!r}> has no alt attribute")
    for anchor in doc.iter("a"):
        text = " ".join(anchor.text_content().split()).strip(" .:!»>").lower()
        if text in LINK_TEXT_DENYLIST:
            yield _error("link-text", f"link text {text!r} says nothing about its target")
        elif not text and not anchor.xpath(".//img[@alt!='']"):
            yield _error("link-text", "link without text")
    yield from _check_headings(doc)


def _check_headings(doc: Any) -> Iterator[LintProblem]:
    """No heading may skip a level going deeper (h2 -> h4)."""
    previous = 0
    for el in doc.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        level = int(el.tag[1])
        if level > previous + 1:
            yield _error(
                "heading-order", f"<{el.tag}> follows h{previous}: {el.text_content()[:60]}"
            )
        previous = level


def _check_preheader(doc: Any, subject: str) -> Iterator[LintProblem]:
    """E8: hidden preview text first in body, 40-140 characters, not the subject."""
    body = doc.find("body")
    first = next(iter(body), None) if body is not None else None
    style = re.sub(r"\s+", "", (first.get("style", "") if first is not None else "").lower())
    if first is None or not all(rule in style for rule in PREHEADER_STYLES):
        yield _error("preheader", "the first element in <body> is not a hidden preheader")
        return
    text = " ".join(first.text_content().replace("\u034f", "").replace("\u200c", "").split())
    if text.strip() == subject.strip():
        yield _error("preheader", "preheader repeats the subject")
    if not 40 <= len(text) <= 140:
        yield _warning("preheader", f"preheader has {len(text)} characters (aim for 40-140)")


def _check_client_support(html: str) -> Iterator[LintProblem]:
    """E2/E3/E7: features our target clients do not support at all, per caniemail."""
    features = load_features()
    reported: set[tuple[str, str]] = set()
    for use in find_features(html):
        missing = features[use.slug].unsupported_in_targets()
        level = _support_level(use)
        if not missing or (use.slug, level) in reported:
            continue
        reported.add((use.slug, level))
        clients = ", ".join(missing)
        reason = _graceful_reason(use)
        text = f"{features[use.slug].title} ({use.detail}) unsupported in {clients}"
        yield LintProblem(level, f"caniemail:{use.slug}", text + (f"; {reason}" if reason else ""))


def _graceful_reason(use: FeatureUse) -> str | None:
    """Why a missing feature is harmless here, or None when it breaks the email."""
    if use.where == "style":
        return "progressive enhancement in <style>; inline styles carry the design (E1, E7)"
    if use.preheader:
        return PREHEADER_FALLBACK
    return GRACEFUL.get(use.slug)


def _support_level(use: FeatureUse) -> Literal["error", "warning"]:
    """Errors for features the layout relies on; warnings for progressive enhancement."""
    return "warning" if _graceful_reason(use) else "error"

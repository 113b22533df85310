"""Find the caniemail features an HTML email uses: elements, attributes, CSS, at-rules."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import cssutils
import lxml.html

from service.rendering.caniemail import load_features

cssutils.log.setLevel(logging.CRITICAL)  # vendor properties (mso-*) are expected, not news

ELEMENT_SLUGS = {
    **{f"h{i}": "html-h1-h6" for i in range(1, 7)},
    **{t: "html-lists" for t in ("ul", "ol", "li", "dl", "dt", "dd")},
    **{t: "html-semantics" for t in ("article", "aside", "footer", "header", "main", "nav")},
    "section": "html-semantics",
    "button": "html-button-submit",
    "input": "html-input-text",
    "s": "html-strike",
    "img": "html-img",
}
ATTRIBUTE_SLUGS = {
    "lang": "html-lang",
    "dir": "html-dir",
    "role": "html-role",
    "align": "html-align",
    "valign": "html-valign",
    "background": "html-background",
    "cellpadding": "html-cellpadding",
    "cellspacing": "html-cellspacing",
    "width": "html-width",
    "height": "html-height",
    "loading": "html-loading-attribute",
    "srcset": "html-srcset",
    "target": "html-target",
    "hidden": "html-hidden",
    "required": "html-required",
    "popover": "html-popover",
}
INPUT_TYPES = {"checkbox", "hidden", "radio", "reset", "submit", "text"}
IMAGE_TYPES = {
    "png": "image-png",
    "jpg": "image-jpg",
    "jpeg": "image-jpg",
    "gif": "image-gif",
    "webp": "image-webp",
    "svg": "image-svg",
    "avif": "image-avif",
    "bmp": "image-bmp",
    "tif": "image-tiff",
    "tiff": "image-tiff",
    "ico": "image-ico",
    "heic": "image-heif",
    "apng": "image-apng",
}
VALUE_SLUGS = [  # (pattern in a declaration value, slug)
    (re.compile(r"linear-gradient\(", re.I), "css-linear-gradient"),
    (re.compile(r"radial-gradient\(", re.I), "css-radial-gradient"),
    (re.compile(r"conic-gradient\(", re.I), "css-conic-gradient"),
    (re.compile(r"\brgba\(", re.I), "css-rgba"),
    (re.compile(r"\brgb\(", re.I), "css-rgb"),
    (re.compile(r"\bcalc\(", re.I), "css-unit-calc"),
    (re.compile(r"\bvar\(", re.I), "css-variables"),
    (re.compile(r"\bclamp\(", re.I), "css-function-clamp"),
    (re.compile(r"\bmin\(", re.I), "css-function-min"),
    (re.compile(r"\bmax\(", re.I), "css-function-max"),
    (re.compile(r"\blight-dark\(", re.I), "css-function-light-dark"),
    (re.compile(r"\burl\(", re.I), "css-background-image"),
]
UNIT_RE = re.compile(r"(?<![\w#])-?\d*\.?\d+(px|em|rem|ex|ch|vh|vw|vmin|vmax|pt|pc|cm|mm|in|%)")
UNIT_SLUGS = {"%": "css-unit-percent", "vmin": "css-unit-vmin", "vmax": "css-unit-vmax"}
AT_MEDIA_SLUGS = [
    ("prefers-color-scheme", "css-at-media-prefers-color-scheme"),
    ("prefers-reduced-motion", "css-at-media-prefers-reduced-motion"),
    ("orientation", "css-at-media-orientation"),
    ("hover", "css-at-media-hover"),
    ("device-pixel-ratio", "css-at-media-device-pixel-ratio"),
]


@dataclass(frozen=True)
class FeatureUse:
    """A feature found in the email, where (inline / style block), and on which element."""

    slug: str
    where: str  # "element", "attribute", "inline", "style"
    detail: str  # e.g. "display:flex on <td>"
    preheader: bool = False  # used on the hidden preheader, which carries redundant fallbacks


def _known(slug: str) -> str | None:
    """The slug if caniemail has it."""
    return slug if slug in load_features() else None


def property_slugs(name: str, value: str) -> set[str]:
    """caniemail slugs for one CSS declaration."""
    name = name.strip().lower()
    value = value.strip()
    if name.startswith(("mso-", "-webkit-", "-moz-", "-ms-")):
        return set()  # vendor extensions for one client each; caniemail does not track them
    slugs: set[str] = set()
    if name == "display":
        kind = value.lower().split()[0] if value else ""
        special = {"flex": "css-display-flex", "inline-flex": "css-display-flex"}
        special |= {"grid": "css-display-grid", "inline-grid": "css-display-grid"}
        slugs.add(special.get(kind, "css-display-none" if kind == "none" else "css-display"))
    base = _known(f"css-{name}") or _known(f"css-{re.sub(r'-(top|right|bottom|left)$', '', name)}")
    if base is None and name.startswith("border"):
        base = "css-border-radius" if "radius" in name else "css-border"
    if base:
        slugs.add(base)
    if "!important" in value.lower():
        slugs.add("css-important")
    slugs |= {slug for pattern, slug in VALUE_SLUGS if pattern.search(value)}
    for unit in UNIT_RE.findall(value):
        slug = _known(UNIT_SLUGS.get(unit, f"css-unit-{unit}"))
        if slug:
            slugs.add(slug)
    return slugs


def _declarations(style: str) -> Iterator[tuple[str, str]]:
    """(property, value) pairs of an inline style attribute."""
    for chunk in style.split(";"):
        name, sep, value = chunk.partition(":")
        if sep and name.strip():
            yield name.strip(), value.strip()


def _element_uses(el: Any, preheader: Any) -> Iterator[FeatureUse]:
    """Features of one element: its tag, attributes and inline style."""
    tag = el.tag.lower()
    is_pre = el is preheader
    slug = ELEMENT_SLUGS.get(tag) or _known(f"html-{tag}")
    if tag == "meta" and el.get("name", "").lower() == "color-scheme":
        slug = "html-meta-color-scheme"
    if tag == "input" and el.get("type", "text").lower() in INPUT_TYPES:
        slug = f"html-input-{el.get('type', 'text').lower()}"
    if slug:
        yield FeatureUse(slug, "element", f"<{tag}>", is_pre)
    for attr in el.attrib:
        attr_slug = ATTRIBUTE_SLUGS.get(attr.lower()) or (
            _known(f"html-{attr.lower()}") if attr.lower().startswith("aria-") else None
        )
        if attr_slug:
            yield FeatureUse(attr_slug, "attribute", f"{attr} on <{tag}>", is_pre)
    yield from _link_and_image_uses(el, tag)
    for name, value in _declarations(el.get("style", "")):
        for css_slug in property_slugs(name, value):
            yield FeatureUse(css_slug, "inline", f"{name}:{value} on <{tag}>", is_pre)


def _link_and_image_uses(el: Any, tag: str) -> Iterator[FeatureUse]:
    """mailto and anchor links; image formats by file extension or data: URL."""
    href = el.get("href", "") if tag == "a" else ""
    if href.lower().startswith("mailto:"):
        yield FeatureUse("html-mailto-links", "attribute", "mailto link")
    elif href.startswith("#") and len(href) > 1:
        yield FeatureUse("html-anchor-links", "attribute", f"anchor link {href}")
    if tag == "img":
        src = el.get("src", "")
        if src.lower().startswith("data:"):
            yield FeatureUse("image-base64", "attribute", "data: image")
        ext = urlsplit(src).path.rsplit(".", 1)[-1].lower() if "." in src else ""
        if ext in IMAGE_TYPES:
            yield FeatureUse(IMAGE_TYPES[ext], "attribute", f"image {src}")


def _style_rule_uses(rule: Any, media: str) -> Iterator[FeatureUse]:
    """Features of one rule inside a <style> block."""
    if rule.type == rule.MEDIA_RULE:
        text = rule.media.mediaText
        yield FeatureUse("css-at-media", "style", f"@media {text}")
        for needle, slug in AT_MEDIA_SLUGS:
            if needle in text:
                yield FeatureUse(slug, "style", f"@media {text}")
        for inner in rule.cssRules:
            yield from _style_rule_uses(inner, text)
    elif rule.type == rule.IMPORT_RULE:
        yield FeatureUse("css-at-import", "style", "@import")
    elif rule.type == rule.FONT_FACE_RULE:
        yield FeatureUse("css-at-font-face", "style", "@font-face")
    elif rule.type == rule.STYLE_RULE:
        selector = rule.selectorText
        if "." in selector:
            yield FeatureUse("css-selector-class", "style", selector)
        if re.search(r"(^|[\s,>+~])[a-zA-Z][\w-]*", selector):
            yield FeatureUse("css-selector-type", "style", selector)
        for prop in rule.style.getProperties():
            value = prop.value + (" !important" if prop.priority else "")
            for slug in property_slugs(prop.name, value):
                yield FeatureUse(slug, "style", f"{prop.name} in {selector} ({media or 'all'})")


def find_features(html: str) -> list[FeatureUse]:
    """Every caniemail feature the document uses, with where it was found."""
    doc = lxml.html.document_fromstring(html)
    body = doc.find("body")
    preheader = next(iter(body), None) if body is not None else None
    uses: list[FeatureUse] = []
    if html.lstrip()[:9].lower() == "<!doctype":
        uses.append(FeatureUse("html-doctype", "element", "<!DOCTYPE>"))
    for el in doc.iter():
        if isinstance(el.tag, str):
            uses.extend(_element_uses(el, preheader))
    for style in doc.iter("style"):
        for rule in cssutils.parseString(style.text or "", validate=False):
            uses.extend(_style_rule_uses(rule, ""))
    return uses

"""Render one edition: Jinja2 -> premailer (once) -> link placeholders -> plain-text part (once)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import html2text
import lxml.html
from premailer import Premailer

from service.errors import InvalidInput
from service.rendering import merge_tags
from service.rendering.contract import (
    NAME,
    PIXEL,
    PLACEHOLDER_PREFIX,
    PLACEHOLDER_RE,
    PREFSURL,
    UNSUBURL,
    WEBURL,
    EditionInput,
    RenderedEdition,
    link_key,
    placeholder,
    reply_key,
)
from service.rendering.environment import system_environment
from service.rendering.i18n import locale_date, ui_strings

LAYOUT = "email/layout.html.j2"
DOCTYPE = "<!DOCTYPE html>"
# Invisible characters after the preheader keep "view in browser" text out of inbox previews.
PREHEADER_SPACER = "\u034f\u200c\u00a0" * 40
PREHEADER_MAX = 100
ANNOUNCEMENT_ATTR = "data-nd-announcement"


@dataclass
class PremailerCounter:
    """Counts premailer transforms so tests can assert one per edition, never per recipient."""

    calls: int = 0


PREMAILER_RUNS = PremailerCounter()


class _Placeholders:
    """Placeholder strings for the template: ph.UNSUBURL, ph.reply(n), ..."""

    NAME = placeholder(NAME)
    UNSUBURL = placeholder(UNSUBURL)
    PREFSURL = placeholder(PREFSURL)
    WEBURL = placeholder(WEBURL)
    PIXEL = placeholder(PIXEL)

    @staticmethod
    def reply(n: int) -> str:
        """Reply address placeholder of the n-th announcement."""
        return placeholder(reply_key(n))


def default_preheader(edition: EditionInput) -> str:
    """Preview text: the given preheader, else the announcement titles, never the subject."""
    text = edition.preheader.strip()
    if not text:
        label = ui_strings(edition.language)["in_this_edition"]
        text = f"{label}: " + " · ".join(a.title for a in edition.announcements)
    if text == edition.subject.strip():
        text = f"{ui_strings(edition.language)['in_this_edition']}: {text}"
    if len(text) > PREHEADER_MAX:
        text = text[: PREHEADER_MAX - 1].rsplit(" ", 1)[0] + "…"
    return text


def _allowed_hosts(edition: EditionInput) -> set[str]:
    """Hosts our images may come from: the public URL's host plus the configured asset hosts."""
    hosts = {h.lower() for h in edition.org.asset_hosts}
    public_host = urlsplit(edition.org.public_url).hostname
    if public_host:
        hosts.add(public_host.lower())
    return hosts


def check_edition_input(edition: EditionInput) -> None:
    """Refuse input the templates cannot render safely, naming the announcement and field."""
    hosts = _allowed_hosts(edition)
    logo = urlsplit(edition.brand.logo_url) if edition.brand.logo_url else None
    if logo and (logo.scheme not in {"http", "https"} or (logo.hostname or "") not in hosts):
        raise InvalidInput(f"brand logo {edition.brand.logo_url!r} is not on an allowed host")
    for a in edition.announcements:
        where = f"announcement {a.id} ({a.title!r})"
        if a.image_url:
            parts = urlsplit(a.image_url)
            if parts.scheme not in {"http", "https"} or (parts.hostname or "").lower() not in hosts:
                raise InvalidInput(
                    f"{where}: image {a.image_url!r} is not on an allowed host "
                    f"({', '.join(sorted(hosts))})"
                )
        if a.cta_url and urlsplit(a.cta_url).scheme.lower() not in {"http", "https"}:
            raise InvalidInput(f"{where}: call-to-action URL must be http(s), got {a.cta_url!r}")
    _refuse_placeholders(edition)
    merge_tags.tags_in(edition.subject)  # an unknown {{ ... }} is refused, naming it
    for a in edition.announcements:
        merge_tags.tags_in(a.title)


def _refuse_placeholders(edition: EditionInput) -> None:
    """Content must not smuggle in placeholder markers that the sender would fill."""
    texts = {
        "subject": edition.subject,
        "list name": edition.list_name,
        "intro": edition.intro_html,
        "preheader": edition.preheader,
    }
    for a in edition.announcements:
        for field in ("title", "summary_html", "body_html", "cta_url", "cta_label", "image_alt"):
            texts[f"announcement {a.id} {field}"] = getattr(a, field) or ""
    for where, text in texts.items():
        if PLACEHOLDER_RE.search(text):
            raise InvalidInput(
                f"{where} contains a reserved placeholder marker ({PLACEHOLDER_PREFIX}...)"
            )


def with_merge_tags(edition: EditionInput, *, personal: bool, name: str | None) -> EditionInput:
    """Merge tags in subject and titles as placeholders (mail) or filled (web view)."""

    def convert(text: str) -> str:
        return merge_tags.to_placeholders(text) if personal else merge_tags.render(text, name)

    views = tuple(replace(a, title=convert(a.title)) for a in edition.announcements)
    preheader = default_preheader(edition)
    return replace(
        edition, subject=convert(edition.subject), announcements=views, preheader=convert(preheader)
    )


def _context(
    edition: EditionInput, *, personal: bool, merge_name: str | None = None, **urls: str
) -> dict[str, Any]:
    """Template variables shared by the mail and the web view."""
    issued = locale_date(edition.issued, edition.language) if edition.issued else ""
    # The reply subject sits URL-encoded in a mailto: link, so it carries fallbacks, not names.
    reply_titles = [merge_tags.render(a.title, None) for a in edition.announcements]
    edition = with_merge_tags(edition, personal=personal, name=merge_name)
    return {
        "reply_titles": reply_titles,
        "brand": edition.brand,
        "issued": issued,
        "switch_url": "",
        "other_lang": "en" if edition.language == "de" else "de",
        "lang": edition.language,
        "subject": edition.subject,
        "list_name": edition.list_name,
        "org": edition.org,
        "announcements": edition.announcements,
        "intro_html": edition.intro_html,
        "preheader": edition.preheader,
        "preheader_spacer": PREHEADER_SPACER,
        "ui": ui_strings(edition.language),
        "ph": _Placeholders,
        "personal": personal,
        **urls,
    }


def render_jinja(
    edition: EditionInput, *, personal: bool = True, merge_name: str | None = None, **urls: str
) -> str:
    """The edition as rendered by Jinja2, before inlining (the web view uses it as is)."""
    check_edition_input(edition)
    if personal:
        urls = {
            "unsubscribe_url": _Placeholders.UNSUBURL,
            "preferences_url": _Placeholders.PREFSURL,
        }
    template = system_environment().get_template(LAYOUT)
    return template.render(**_context(edition, personal=personal, merge_name=merge_name, **urls))


def inline_css(html: str) -> str:
    """premailer: CSS rules inlined; only media queries stay in <style>, with their !important."""
    PREMAILER_RUNS.calls += 1
    inliner = Premailer(
        html,
        keep_style_tags=False,  # leftover (media query) rules only
        strip_important=False,  # media-query overrides need !important to beat inline styles
        allow_network=False,
        allow_loading_external_files=False,
        disable_validation=True,  # mso-hide is not standard CSS but Outlook needs it
        cssutils_logging_level=logging.CRITICAL,
        remove_classes=False,  # media queries select by class
    )
    return str(inliner.transform(pretty_print=False))


def rewrite_links(html: str) -> tuple[str, tuple[str, ...], tuple[int | None, ...]]:
    """Replace every http(s) href with LINK{n}; return html, original URLs, announcement index."""
    doc = lxml.html.document_fromstring(html)
    links: list[str] = []
    owners: list[int | None] = []
    for anchor in doc.iter("a"):
        href = (anchor.get("href") or "").strip()
        if urlsplit(href).scheme.lower() in {"http", "https"}:
            anchor.set("href", placeholder(link_key(len(links))))
            links.append(href)
            owners.append(_announcement_of(anchor))
    for marked in doc.xpath(f"//*[@{ANNOUNCEMENT_ATTR}]"):
        del marked.attrib[ANNOUNCEMENT_ATTR]
    out = lxml.html.tostring(doc, encoding="unicode", doctype=DOCTYPE)
    return out, tuple(links), tuple(owners)


def _announcement_of(element: Any) -> int | None:
    """Position of the announcement an element belongs to, or None for edition-level links."""
    for ancestor in element.iterancestors():
        value = ancestor.get(ANNOUNCEMENT_ATTR)
        if value is not None:
            return int(value)
    return None


def html_to_text(html: str) -> str:
    """Plain-text part: full content, every link as a full URL (placeholder), no preheader/pixel."""
    doc = lxml.html.document_fromstring(html)
    for hidden in doc.xpath("//body/*[1][contains(@class, 'preheader')]"):
        hidden.getparent().remove(hidden)
    for head in doc.xpath("//head"):
        head.getparent().remove(head)
    converter = html2text.HTML2Text()
    converter.body_width = 0  # never wrap: a wrapped placeholder could not be filled
    converter.ignore_images = True  # images are not content links; alt text is decorative here
    converter.ignore_tables = True  # layout tables, not data
    converter.unicode_snob = True  # keep umlauts as they are
    converter.wrap_links = False
    converter.inline_links = True
    text = converter.handle(lxml.html.tostring(doc, encoding="unicode"))
    text = text.replace(placeholder(PIXEL), "")
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


def render_edition(edition: EditionInput) -> RenderedEdition:
    """One edition, rendered once: inlined HTML and text with placeholders, plus link targets."""
    html = inline_css(render_jinja(edition, personal=True))
    html, links, owners = rewrite_links(html)
    return RenderedEdition(
        html=html, text=html_to_text(html), links=links, link_announcements=owners
    )


def render_web_view(
    edition: EditionInput,
    *,
    unsubscribe_url: str,
    preferences_url: str,
    switch_url: str = "",
    name: str | None = None,
) -> str:
    """Browser page: no placeholders, original links, no reply/pixel; merge tags by `name`."""
    return render_jinja(
        edition,
        personal=False,
        unsubscribe_url=unsubscribe_url,
        preferences_url=preferences_url,
        switch_url=switch_url,
        merge_name=name,
    )

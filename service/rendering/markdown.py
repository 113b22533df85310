"""Announcement Markdown to safe HTML: markdown-it-py renders, nh3 sanitises (allowlist)."""

from __future__ import annotations

from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

# What an announcement body may contain in an email. Anything else is dropped (tag stripped,
# text kept), so a hostile author cannot inject layout, scripts, styles or forms.
ALLOWED_TAGS = frozenset(
    {"p", "a", "strong", "em", "ul", "ol", "li", "h3", "h4", "br", "blockquote", "code"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
# Tags whose content is dropped too, not only the tag: their text is never meant for readers.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template"})


def _image_as_alt_text(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    """Inline images become their alt text: images come from the announcement's image field."""
    return escapeHtml(tokens[idx].content)


def _parser() -> MarkdownIt:
    """CommonMark without raw HTML and with linkify off: authors write Markdown, not HTML."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.add_render_rule("image", _image_as_alt_text)
    return md


_MD = _parser()


def sanitize_html(html: str) -> str:
    """Clean an HTML fragment to the email allowlist: no script, handlers, style, js: links."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        url_relative="deny",  # a relative link means nothing in a mail client
        link_rel=None,
        strip_comments=True,
    )


def render_markdown(source: str | None) -> str:
    """Markdown source -> sanitised HTML fragment ('' for empty input)."""
    if not source or not source.strip():
        return ""
    tokens = _MD.parse(source)
    _shift_headings(tokens)
    return sanitize_html(_MD.renderer.render(tokens, _MD.options, {})).strip()


def _shift_headings(tokens: list[Any]) -> None:
    """Map the body's shallowest heading level to h3 and deeper ones to h4.

    The announcement title is the h2, so body headings must start at h3 and never skip a level,
    whatever levels the author typed.
    """
    headings = [t for t in tokens if t.type in {"heading_open", "heading_close"}]
    if not headings:
        return
    top = min(int(t.tag[1]) for t in headings)
    for token in headings:
        token.tag = "h3" if int(token.tag[1]) == top else "h4"

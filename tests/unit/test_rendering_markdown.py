"""Markdown sanitising: hostile input never yields script, handlers, styles or js: links."""

from __future__ import annotations

import lxml.html
import pytest

from service.rendering.markdown import (
    ALLOWED_SCHEMES,
    ALLOWED_TAGS,
    render_markdown,
    sanitize_html,
)

HOSTILE_MARKDOWN = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java&#09;script:alert(1))",
    "[click](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '<img src=x onerror="alert(1)">',
    '<a href="https://ok.example" onclick="alert(1)" style="color:red">a</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<iframe src=https://evil.example></iframe>",
    "<form action=https://evil.example><input name=pw></form>",
    "<svg onload=alert(1)><circle/></svg>",
    "<style>body{display:none}</style>",
    "![pic](https://tracker.example/p.gif)",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    "<object data=evil.swf></object><embed src=evil.swf>",
    "<!-- comment --><math><mi>x</mi></math>",
    "[rel](/relative/path)",
]


def _elements(html: str) -> list[lxml.html.HtmlElement]:
    """Every element of a fragment, parsed as a browser would."""
    root = lxml.html.fragment_fromstring(html or "<p></p>", create_parent="div")
    return [el for el in root.iter() if isinstance(el.tag, str)][1:]


def _assert_safe(html: str) -> None:
    """Only allowlisted tags, only href on <a>, only allowed schemes."""
    for el in _elements(html):
        assert el.tag in ALLOWED_TAGS, (el.tag, html)
        allowed = {"href"} if el.tag == "a" else set()
        assert set(el.attrib) <= allowed, (el.attrib, html)
        href = el.get("href")
        if href is not None:
            assert href.split(":", 1)[0].lower() in ALLOWED_SCHEMES, html
    # Hostile text may survive as visible, escaped text; it must never be live markup.
    assert "<script" not in html.lower()


@pytest.mark.parametrize("source", HOSTILE_MARKDOWN)
def test_hostile_markdown_is_neutralised(source: str) -> None:
    """Hostile Markdown renders to allowlisted markup only."""
    _assert_safe(render_markdown(source))


@pytest.mark.parametrize("source", HOSTILE_MARKDOWN)
def test_sanitizer_alone_cleans_raw_hostile_html(source: str) -> None:
    """The sanitiser is a second wall: raw HTML through it alone is safe too."""
    cleaned = sanitize_html(source)
    _assert_safe(cleaned)
    parsed = _elements(cleaned)
    assert not any(el.tag in {"script", "iframe", "form", "svg", "style", "img"} for el in parsed)


def test_raw_script_text_is_dropped_not_kept() -> None:
    """Script contents vanish entirely when raw HTML reaches the sanitiser."""
    assert "alert" not in sanitize_html("<script>alert(1)</script>safe")
    assert sanitize_html("<script>alert(1)</script>safe") == "safe"


def test_ordinary_markdown_keeps_its_meaning() -> None:
    """Emphasis, lists, quotes, code and http/https/mailto links survive."""
    html = render_markdown(
        "Apply **now** for _stays_:\n\n- one\n- two\n\n1. first\n\n> quoted `code`\n\n"
        "[Programme page](https://partnership.example.org/stays) or "
        "[write to us](mailto:stays@partnership.example.org)"
    )
    tags = [el.tag for el in _elements(html)]
    for tag in ("strong", "em", "ul", "ol", "li", "blockquote", "code", "a"):
        assert tag in tags
    assert 'href="https://partnership.example.org/stays"' in html
    assert 'href="mailto:stays@partnership.example.org"' in html


def test_headings_are_shifted_below_the_title_level() -> None:
    """Body headings become h3/h4 so they never outrank the announcement's h2 title."""
    html = render_markdown("# Top\n\n## Second\n\n### Third\n\n# Again")
    assert [el.tag for el in _elements(html)] == ["h3", "h4", "h4", "h3"]
    html = render_markdown("### How to apply\n\n#### Details")
    assert [el.tag for el in _elements(html)] == ["h3", "h4"]


def test_markdown_images_become_alt_text() -> None:
    """Inline images would be remote resources without our alt rules; only their alt text stays."""
    html = render_markdown("![Lung atlas overview](https://cdn.example/a.png)")
    assert html == "<p>Lung atlas overview</p>"


def test_empty_input_gives_empty_output() -> None:
    """No text, no markup."""
    assert render_markdown(None) == ""
    assert render_markdown("  \n ") == ""

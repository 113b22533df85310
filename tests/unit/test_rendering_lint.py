"""Edition lint: the sample editions pass; each negative fixture fails with the right code."""

from __future__ import annotations

from functools import lru_cache

import pytest

from service.rendering.caniemail import TARGET_CLIENTS, is_target, load_features
from service.rendering.edition import render_edition
from service.rendering.lint import LintProblem, lint_edition
from tests.unit.edition_samples import SUBJECTS, sample_edition

HOSTS = {"news.partnership.example.org"}


@lru_cache(maxsize=2)
def rendered_html(language: str) -> str:
    """The rendered sample edition (cached: rendering is deterministic)."""
    return render_edition(sample_edition(language)).html


def errors(html: str, subject: str = SUBJECTS["en"]) -> list[LintProblem]:
    """Only the error-level problems."""
    return [
        p for p in lint_edition(html, subject=subject, allowed_hosts=HOSTS) if p.level == "error"
    ]


def codes(html: str, subject: str = SUBJECTS["en"]) -> set[str]:
    """Codes of the error-level problems."""
    return {p.code for p in errors(html, subject)}


def in_body(html: str, fragment: str) -> str:
    """Insert a fragment inside the first announcement cell."""
    marker = '<h2 class="title"'
    return html.replace(marker, fragment + marker, 1)


def test_caniemail_data_parses() -> None:
    """All 307 features of the npm package's data parse, each with client stats."""
    features = load_features()
    assert len(features) == 307  # caniemail 2.0.2 ships 307 (STANDARDS counted 304 + 3 empty)
    assert len(features) >= 300
    assert all(f.latest for f in features.values())
    clients = {c for f in features.values() for c in f.latest}
    for needed in (
        "outlook.windows",
        "gmx.desktop-webmail",
        "web-de.desktop-webmail",
        "t-online-de.desktop-webmail",
        "gmail.desktop-webmail",
        "apple-mail.ios",
    ):
        assert needed in clients
    assert set(TARGET_CLIENTS) == {
        "gmail",
        "outlook",
        "apple-mail",
        "yahoo",
        "gmx",
        "web-de",
        "t-online-de",
    }
    assert is_target("outlook.windows") and not is_target("outlook.macos")


@pytest.mark.parametrize("language", ["de", "en"])
def test_sample_editions_have_no_errors(language: str) -> None:
    """The templates pass their own lint: only progressive-enhancement warnings remain."""
    problems = lint_edition(
        rendered_html(language), subject=SUBJECTS[language], allowed_hosts=HOSTS
    )
    assert [p for p in problems if p.level == "error"] == []
    warnings = {p.code for p in problems}
    assert "caniemail:css-at-media-prefers-color-scheme" in warnings  # E7: a warning only


def test_flex_layout_fails_for_outlook_windows() -> None:
    """E2/E3 negative fixture: a display:flex layout is an error naming outlook.windows."""
    html = in_body(rendered_html("en"), '<div style="display:flex; gap:8px"><p>a</p><p>b</p></div>')
    flex = [p for p in errors(html) if p.code == "caniemail:css-display-flex"]
    assert flex and "outlook.windows" in flex[0].message


@pytest.mark.parametrize(
    ("fragment", "code"),
    [
        ("<script>alert(1)</script>", "forbidden-element"),
        ('<form action="https://news.partnership.example.org/x"></form>', "forbidden-element"),
        ('<iframe src="https://news.partnership.example.org/"></iframe>', "forbidden-element"),
        ('<object data="https://news.partnership.example.org/x"></object>', "forbidden-element"),
        ('<embed src="https://news.partnership.example.org/x.png">', "forbidden-element"),
        ('<svg width="10" height="10"><rect width="10" height="10"/></svg>', "forbidden-element"),
        ('<img src="https://fonts.example.com/x.png" alt="x">', "url"),
        ('<img src="https://news.partnership.example.org/x.webp" alt="x">', "image-type"),
        ('<img src="https://news.partnership.example.org/x.png">', "img-alt"),
        ('<a href="http://192.0.2.7/x">Partnership page</a>', "url"),
        ('<a href="https://news.partnership.example.org:8443/x">Partnership page</a>', "url"),
        ('<a href="javascript:alert(1)">Partnership page</a>', "url"),
        ('<p style="background-image:url(https://tracker.example/p.png)">x</p>', "url"),
        ("<table><tr><td>layout</td></tr></table>", "table-role"),
        ('<a href="NDPHLINK0HPDN">hier</a>', "link-text"),
        ('<a href="NDPHLINK0HPDN">Click here</a>', "link-text"),
        ('<a href="NDPHLINK0HPDN">mehr</a>', "link-text"),
        ("<h4>Skipped a level</h4>", "heading-order"),
        ("<style>.x{color:red}</style>", "style-in-body"),
        ('<p style="border-radius:4px">rounded</p>', "caniemail:css-border-radius"),
    ],
)
def test_negative_fixtures(fragment: str, code: str) -> None:
    """Each bad fragment inserted into a good edition produces its error code."""
    assert code in codes(in_body(rendered_html("en"), fragment))


def test_size_limit_uses_longest_personal_values() -> None:
    """E4: 100 KB is checked after filling placeholders with 200-character values."""
    html = rendered_html("en")
    many = "".join(f'<a href="NDPHLINK{i}HPDN">Programme page {i}</a>' for i in range(500))
    assert len(in_body(html, many).encode()) < 100_000  # small before filling...
    assert "size" in codes(in_body(html, many))  # ...too big once personalised


def test_style_block_limits() -> None:
    """E1: total <style> under 16 KB, and only media queries left after inlining."""
    html = rendered_html("en")
    big = "@media (max-width:600px){" + ".a{color:#000 !important}" * 700 + "}"
    assert "style-size" in codes(html.replace("</style>", big + "</style>", 1))
    assert "style-not-inlined" in codes(html.replace("</style>", ".x{color:red}</style>", 1))


def test_document_level_checks() -> None:
    """E6/E8: lang, preheader present and different from the subject, unsubscribe present."""
    html = rendered_html("en")
    assert "lang" in codes(html.replace('<html lang="en">', '<html lang="fr">', 1))
    assert "preheader" in codes(html, subject=_preheader_text(html))
    no_pre = html.replace('<div class="preheader"', '<div class="x"', 1).replace(
        "display:none", "display:block", 1
    )
    assert "preheader" in codes(no_pre)
    assert "unsubscribe" in codes(html.replace("NDPHUNSUBURLHPDN", "https://x.example/", 1))


def _preheader_text(html: str) -> str:
    """The visible words of the preheader."""
    import lxml.html

    body = lxml.html.document_fromstring(html).find("body")
    text = next(iter(body)).text_content()
    return " ".join(text.replace("\u034f", "").replace("\u200c", "").split())


def test_text_part_and_address_checks() -> None:
    """B6/C6/D9: given the text part and address, missing links/address/stub text are errors."""
    result = render_edition(sample_edition("en"))
    address = "Ingolstädter Landstraße 1, 85764 Neuherberg, Germany"

    def lint_codes(text: str, postal: str = address) -> set[str]:
        problems = lint_edition(
            result.html,
            subject=SUBJECTS["en"],
            allowed_hosts=HOSTS,
            text=text,
            postal_address=postal,
        )
        return {p.code for p in problems if p.level == "error"}

    assert lint_codes(result.text) == set()
    assert "text-part" in lint_codes(result.text.replace("NDPHLINK2HPDN", ""))
    assert "text-part" in lint_codes("Hello\n" + address + " NDPHUNSUBURLHPDN")
    assert "postal-address" in lint_codes(result.text.replace(address, ""))
    assert "postal-address" in lint_codes(result.text, postal="")

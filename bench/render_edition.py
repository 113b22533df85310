"""Benchmark: cost of rendering one edition (Jinja, premailer, links, text) and of linting it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.rendering import edition as ed
from service.rendering.lint import lint_edition
from tests.unit.edition_samples import SUBJECTS, sample_edition

ROUNDS = 30


def per_call_ms(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    """Median wall time of ROUNDS calls in milliseconds."""
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1000


def main() -> None:
    """Print per-stage figures for the German sample edition (five announcements)."""
    edition = sample_edition("de")
    jinja_html = ed.render_jinja(edition)
    inlined = ed.inline_css(jinja_html)
    rewritten, _, _ = ed.rewrite_links(inlined)
    result = ed.render_edition(edition)
    print(f"edition html {len(result.html.encode())} bytes, text {len(result.text.encode())} bytes")
    print(f"jinja render      {per_call_ms(ed.render_jinja, edition):7.2f} ms")
    print(f"premailer inline  {per_call_ms(ed.inline_css, jinja_html):7.2f} ms")
    print(f"link rewriting    {per_call_ms(ed.rewrite_links, inlined):7.2f} ms")
    print(f"html2text         {per_call_ms(ed.html_to_text, rewritten):7.2f} ms")
    print(f"render_edition    {per_call_ms(ed.render_edition, edition):7.2f} ms (once per edition)")
    lint_ms = per_call_ms(lint_edition, result.html, subject=SUBJECTS["de"], allowed_hosts=set())
    print(f"lint_edition      {lint_ms:7.2f} ms (once per edition, before scheduling)")


if __name__ == "__main__":
    main()

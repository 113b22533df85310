"""Automation pages in Chromium: an editor creates a digest schedule, a welcome series with two
steps (timeline preview) and a feed whose error shows; axe-core on each page, en and de."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from service.models import Segment
from tests.e2e.conftest import Account, Newsroom
from tests.support.feed_server import FeedState, feed_server


@pytest.mark.parametrize("language", ["en", "de"])
def test_editor_sets_up_automation_and_every_page_passes_axe(
    language: str,
    page: Any,
    newsroom: Newsroom,
    seed: Session,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any],
) -> None:
    # its own segment: the shared live database also gets the demo's segments (sent_campaign)
    if seed.exec(select(Segment).where(Segment.slug == "automation-all")).first() is None:
        seed.add(Segment(slug="automation-all", name="Automation: all", rule={"all": []}))
        seed.commit()
    log_in(page, make_user("editor", language=language))
    page.goto(newsroom.url("/newsroom/automation/digests"))
    assert page.locator("html").get_attribute("lang") == language
    axe_check(page)
    form = page.locator("#digest-form")
    form.locator("#name").fill(f"Weekly digest {language}")
    form.locator("#segments").fill("automation-all")
    form.locator("#weekday").select_option("4")
    form.locator("button[type=submit]").click()
    section = page.locator("section.digest", has_text=f"Weekly digest {language}")
    assert section.locator(".next-run").is_visible()
    axe_check(page)
    form = page.locator("#digest-form")
    form.locator("#name").fill("Broken")
    form.locator("#segments").fill("no-such-segment")
    form.locator("button[type=submit]").click()
    assert page.get_by_role("alert").is_visible()  # the error summary
    unknown = {"en": "Unknown segment(s): no-such-segment.", "de": "Unbekannte Segmente"}
    assert unknown[language] in page.get_by_role("alert").inner_text()  # the service's error
    axe_check(page)

    page.goto(newsroom.url("/newsroom/automation/welcome"))
    form = page.locator("#series-form")
    form.locator("#name").fill(f"Welcome {language}")
    form.locator("#language").select_option(language)
    form.locator("button[type=submit]").click()
    series = page.locator("section.series", has_text=f"Welcome {language}")
    for subject, hours in (("Welcome aboard", "0"), ("How to reach a coordinator", "72")):
        add = series.locator("form.step-form")
        add.locator("input[name=subject]").fill(subject)
        add.locator("input[name=delay_hours]").fill(hours)
        add.locator("button[type=submit]").click()
        series = page.locator("section.series", has_text=f"Welcome {language}")
    steps = series.locator("ol.timeline li.step")
    assert steps.count() == 2 and "coordinator" in steps.nth(1).inner_text()
    axe_check(page)
    steps.nth(0).locator("details.step-edit summary").click()  # change step 1's texts
    edit = steps.nth(0).locator("form.step-edit-form")
    edit.locator("input[name=subject]").fill("Welcome on board")
    edit.locator("button[type=submit]").click()
    series = page.locator("section.series", has_text=f"Welcome {language}")
    assert "Welcome on board" in series.locator("ol.timeline li.step").nth(0).inner_text()
    axe_check(page)

    with feed_server(FeedState(body=b"<rss><channel><item>broken")) as url:
        page.goto(newsroom.url("/newsroom/automation/feeds"))
        form = page.locator("#feed-form")
        form.locator("#name").fill(f"Partner {language}")
        form.locator("#url").fill(url)
        form.locator("button[type=submit]").click()
        row = page.locator("tr", has_text=f"Partner {language}")
        row.locator("button[type=submit]").click()
    row = page.locator("tr", has_text=f"Partner {language}")
    assert "not well-formed" in row.locator(".feed-error").inner_text()
    axe_check(page)


def test_viewer_sees_no_forms(
    page: Any,
    newsroom: Newsroom,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any],
) -> None:
    log_in(page, make_user("viewer"))
    for path in ("digests", "welcome", "feeds"):
        page.goto(newsroom.url(f"/newsroom/automation/{path}"))
        assert page.locator("form[method=post][action*='/automation/']").count() == 0
        axe_check(page)

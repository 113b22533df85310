"""The edition matrix in Chromium: an editor (German UI) writes one edition's subject (issue 14.6).

On the sent demo world, a draft campaign of the five demo announcements shows, per edition of
its matrix, the subject that edition gets (generated from its own announcements). A German
editor writes a subject for one German edition that lacks the research stays, saves, sees it
marked as written for that edition; the approver's confirmation page then refuses scheduling
with the lint reason, naming the subject and the announcement it promises. Both pages pass axe-core.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, col, select

from service.campaigns.authoring import save_campaign
from service.campaigns.edition_subjects import matrix_subjects
from service.models import Announcement, Campaign
from tests.e2e.campaign_data import SentDemo
from tests.e2e.conftest import DESKTOP, Account, Newsroom

DEMO = (
    "mou-signed",
    "research-stays",
    "seed-funding",
    "lung-conference-call",
    "lung-atlas-release",
)
PROMISE = "Forschungsaufenthalte in Chicago: jetzt bewerben"


def _draft(seed: Session) -> tuple[int, str, str]:
    """A draft of the demo announcements; a German edition without research stays, its set key."""
    items = {
        a.slug: a for a in seed.exec(select(Announcement).where(col(Announcement.slug).in_(DEMO)))
    }
    campaign = save_campaign(
        seed,
        fields={"name": "Edition subjects E2E", "subject_de": "Neues: {{ announcements }}",
                "subject_en": "News: {{ announcements }}", "list_slug": "newsletter"},
        include=["everyone"], exclude=[], announcement_ids=[a.id for a in items.values() if a.id],
    )  # fmt: skip
    seed.commit()
    assert campaign.id is not None
    stays = items["research-stays"].id
    rows = matrix_subjects(seed, campaign_id=campaign.id)
    row = next(r for r in rows if r.language == "de" and stays not in r.announcement_ids)
    return campaign.id, row.key, row.set_key


def test_german_editor_writes_an_edition_subject_and_lint_refuses_it(
    sent_campaign: SentDemo,
    newsroom: Newsroom,
    browser: Any,
    make_user: Callable[..., Account],
    log_in: Callable[[Any, Account], None],
    axe_check: Callable[[Any], Any],
    seed: Session,
) -> None:
    campaign_id, key, set_key = _draft(seed)
    editor, approver = make_user("editor", language="de"), make_user("approver")
    pages = {}
    for who in (editor, approver):
        context = browser.new_context(viewport=DESKTOP, locale="en-GB")
        context.set_default_timeout(15_000)
        pages[who.role] = context.new_page()
        log_in(pages[who.role], who)
    ed, ap = pages["editor"], pages["approver"]

    ed.goto(newsroom.url(f"/newsroom/campaigns/{campaign_id}"))
    row = ed.locator(f'#counts tr[data-edition="{key}"]')
    row.locator(".subject-now", has_text="Neues: Absichtserklärung").wait_for()
    field = ed.get_by_label(f"Betreff der Ausgabe {key} (leer: der Betreff der Sprache)")
    field.fill(PROMISE)
    axe_check(ed)
    ed.get_by_role("button", name="Kampagne speichern").click()
    ed.wait_for_url(re.compile(rf"/newsroom/campaigns/{campaign_id}\?done=saved"))
    row = ed.locator(f'#counts tr[data-edition="{key}"]')
    row.locator(".subject-now", has_text=PROMISE).wait_for()
    row.get_by_text("für diese Ausgabe geschrieben").wait_for()
    assert field.input_value() == PROMISE
    axe_check(ed)
    seed.expire_all()
    saved = seed.get(Campaign, campaign_id)
    assert saved is not None
    assert [e["subject"] for e in saved.edition_subjects] == [PROMISE]
    assert (
        f"{saved.edition_subjects[0]['language']}:"
        + ",".join(str(i) for i in saved.edition_subjects[0]["announcement_ids"])
        == set_key
    )

    ap.goto(newsroom.url(f"/newsroom/campaigns/{campaign_id}/confirm/schedule"))
    reason = ap.locator(".blocked-reason")
    reason.wait_for()
    text = reason.inner_text()
    assert "subject-names" in text and PROMISE in text and "'research-stays'" in text, text
    assert ap.get_by_role("button", name="Yes, schedule it").count() == 0
    axe_check(ap)
    seed.expire_all()
    assert seed.get(Campaign, campaign_id).status == "draft"  # type: ignore[union-attr]

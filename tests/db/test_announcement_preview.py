"""The editor's live preview renders the real edition with the typed text and points at lines."""

from __future__ import annotations

from sqlmodel import Session

from service.content.preview import preview_announcement
from service.demo.seed import seed
from service.settings import get_settings

FIELDS = {
    "slug": "new-call",
    "title_en": "Travel grants for the lung conference",
    "title_de": "Reisestipendien für die Lungenkonferenz",
    "body_en": "Apply now.\n\n[click here](https://news.partnership.example.org/grants)",
    "body_de": "Jetzt bewerben.",
    "priority": 1,
}


def test_preview_shows_the_typed_text_among_the_segments_edition(session: Session) -> None:
    seed(session, secret=get_settings().secret_bytes, subscribers=10)
    session.commit()
    result = preview_announcement(
        session,
        fields=FIELDS,
        segment_slugs=["topic-lung"],
        segment_slug="topic-lung",
        language="de",
    )
    assert result.included
    assert result.titles[0] == "Reisestipendien für die Lungenkonferenz"  # priority 1 first
    assert "Beiträge gesucht: Lungenkonferenz München-Chicago" in result.titles
    assert 'lang="de"' in result.html and "Jetzt bewerben." in result.html


def test_lint_finding_points_at_the_field_and_line(session: Session) -> None:
    seed(session, secret=get_settings().secret_bytes, subscribers=10)
    session.commit()
    result = preview_announcement(
        session, fields=FIELDS, segment_slugs=["everyone"], segment_slug="everyone", language="en"
    )
    link = [f for f in result.findings if f.code == "link-text"]
    assert link and (link[0].field, link[0].line, link[0].level) == ("body_en", 3, "error")


def test_segment_the_announcement_does_not_target_is_said(session: Session) -> None:
    seed(session, secret=get_settings().secret_bytes, subscribers=10)
    session.commit()
    result = preview_announcement(
        session,
        fields=FIELDS,
        segment_slugs=["topic-lung"],
        segment_slug="clinicians",
        language="en",
    )
    assert not result.included
    assert "Travel grants for the lung conference" not in result.titles

"""The one preview dispatch of API and CLI: a segment's edition (neutral values) or exactly
what one subscriber gets, with its lint problems, or why there is nothing to show."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from service.campaigns.empty_reasons import empty_reasons
from service.campaigns.linting import lint_rendered
from service.campaigns.preview import neutral_fill, preview_input
from service.campaigns.subscriber_view import subscriber_preview
from service.rendering.contract import EditionInput
from service.rendering.edition import render_edition
from service.rendering.lint import LintProblem


@dataclass(frozen=True)
class EditionPreview:
    """What a preview shows: the HTML, the renderer input, lint problems; `empty`: why not."""

    html: str
    spec: EditionInput
    problems: list[LintProblem] = field(default_factory=list)
    empty: list[str] | None = None  # a segment preview without announcements: the reasons


def edition_preview(
    session: Session,
    *,
    campaign_id: int,
    segment_slug: str | None,
    language: str,
    subscriber_id: int | None = None,
) -> EditionPreview:
    """The preview for `segment_slug` + `language`, or as `subscriber_id` gets it."""
    if subscriber_id is not None:
        shown = subscriber_preview(session, campaign_id=campaign_id, subscriber_id=subscriber_id)
        return EditionPreview(shown.html, shown.spec, lint_rendered(shown.spec, shown.rendered))
    spec = preview_input(
        session, campaign_id=campaign_id, segment_slug=segment_slug, language=language
    )
    if not spec.announcements:  # say why instead of showing an empty edition
        reasons = empty_reasons(
            session, campaign_id=campaign_id, segment_slug=segment_slug, language=language
        )
        return EditionPreview("", spec, empty=reasons)
    rendered = render_edition(spec)
    html = neutral_fill(rendered.html, rendered.links)
    return EditionPreview(html, spec, lint_rendered(spec, rendered))

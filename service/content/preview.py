"""Live preview of an announcement as typed: the real edition a segment x language would get.

The edited (unsaved) announcement takes its place among the approved announcements valid now
that target the chosen segment, ordered like an edition; the result is rendered by the real
renderer and linted, and each finding is pointed at the field and line it concerns when the
finding quotes something found there (a URL, a link text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.campaigns.editions import edition_input
from service.campaigns.linting import lint_rendered
from service.campaigns.preview import neutral_fill
from service.domain.approval_states import ApprovalState
from service.errors import NotFound
from service.models import Announcement, AnnouncementSegment, Campaign, Segment
from service.models._common import utcnow
from service.rendering.edition import render_edition
from service.settings import get_settings

TEXT_FIELDS = ("title", "summary", "body", "cta_label", "image_alt")
QUOTED = re.compile(r"'([^']{2,})'|\"([^\"]{2,})\"|(https?://\S+)")


@dataclass(frozen=True)
class Finding:
    """A lint finding, with the form field and line it concerns when that is known."""

    level: str
    code: str
    message: str
    field: str | None
    line: int | None


@dataclass(frozen=True)
class AnnouncementPreview:
    """Rendered HTML (neutral personal values), findings, and whether the segment gets it."""

    html: str
    findings: tuple[Finding, ...]
    included: bool
    titles: tuple[str, ...]


def _others(session: Session, *, segment: Segment | None, exclude_id: int | None) -> list[Any]:
    now = utcnow()
    stmt = select(Announcement).where(
        Announcement.approval == ApprovalState.APPROVED,
        sa.or_(col(Announcement.valid_from).is_(None), col(Announcement.valid_from) <= now),
        sa.or_(col(Announcement.valid_until).is_(None), col(Announcement.valid_until) >= now),
    )
    if exclude_id is not None:
        stmt = stmt.where(col(Announcement.id) != exclude_id)
    if segment is not None:
        stmt = stmt.where(
            col(Announcement.id).in_(
                select(AnnouncementSegment.announcement_id).where(
                    AnnouncementSegment.segment_id == segment.id
                )
            )
        )
    return list(session.exec(stmt))


def locate(message: str, fields: dict[str, Any]) -> tuple[str | None, int | None]:
    """The first form field and 1-based line holding a fragment the message quotes."""
    for match in QUOTED.finditer(message):
        fragment = next(g for g in match.groups() if g).rstrip(".,;)").lower()
        for name, value in fields.items():
            for number, text in enumerate(str(value or "").splitlines(), start=1):
                if fragment in text.lower():
                    return name, number
    return None, None


def preview_announcement(
    session: Session,
    *,
    fields: dict[str, Any],
    segment_slugs: list[str],
    segment_slug: str | None,
    language: str,
    announcement_id: int | None = None,
) -> AnnouncementPreview:
    """Render and lint the edition members of `segment_slug` would get with this text."""
    segment = None
    if segment_slug:
        segment = session.exec(select(Segment).where(Segment.slug == segment_slug)).first()
        if segment is None:
            raise NotFound(f"segment {segment_slug!r} does not exist")
    draft = Announcement(**{k: v for k, v in fields.items() if hasattr(Announcement, k)})
    draft.id = announcement_id or 0
    included = segment_slug is None or segment_slug in segment_slugs
    chosen = _others(session, segment=segment, exclude_id=announcement_id)
    chosen = sorted(chosen + [draft] * included, key=lambda a: (a.priority, a.id or 0))
    title = fields.get(f"title_{language}") or fields.get("title_en") or fields.get("title_de")
    campaign = Campaign(
        name="preview", subject_en=title or "Preview", subject_de=title or "Vorschau"
    )
    spec = edition_input(
        session, campaign=campaign, language=language, announcements=chosen, settings=get_settings()
    )
    rendered = render_edition(spec)
    findings = tuple(
        Finding(p.level, p.code, p.message, *locate(p.message, fields))
        for p in lint_rendered(spec, rendered)
    )
    return AnnouncementPreview(
        neutral_fill(rendered.html, rendered.links),
        findings,
        included,
        tuple(v.title for v in spec.announcements),
    )

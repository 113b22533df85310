"""The lint gate: every edition a campaign can produce is linted before it may be scheduled.

For each language we lint the edition with every candidate announcement (the largest one, so
size problems show) and the edition of each target segment's announcements, as the preview shows
them. Identical announcement sets are rendered once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from service.campaigns.assembly import LANGUAGES, announcements_for_key, candidate_announcements
from service.campaigns.editions import edition_input
from service.campaigns.lifecycle import get_campaign
from service.campaigns.preview import preview_input
from service.campaigns.recipient_counts import recipient_counts
from service.campaigns.subjects import subject_problems
from service.models import CampaignSegment, Segment
from service.models._common import utcnow
from service.rendering.contract import EditionInput, RenderedEdition
from service.rendering.edition import render_edition
from service.rendering.lint import LintProblem, lint_edition
from service.rendering.lint_rules import tier_of
from service.rendering.merge_tags import unknown_tags
from service.settings import get_settings

HEADER_CODES = 8  # how many distinct codes the preview's summary header names


@dataclass(frozen=True)
class EditionLint:
    """The lint result of one previewable edition (language x announcement set)."""

    language: str
    segment: str | None  # None: every candidate announcement
    announcement_ids: tuple[int, ...]
    problems: tuple[LintProblem, ...]

    @property
    def errors(self) -> list[LintProblem]:
        """Problems that block scheduling: only what breaks a mail (lint_rules tiers)."""
        return [p for p in self.problems if tier_of(p.code, p.level) == "blocks"]


def lint_rendered(spec: EditionInput, rendered: RenderedEdition) -> list[LintProblem]:
    """Lint one rendered edition with its text part and the configured postal address."""
    return lint_edition(
        rendered.html,
        subject=spec.subject,
        text=rendered.text,
        postal_address=get_settings().org_postal_address,
    )


def target_segment_slugs(session: Session, *, campaign_id: int) -> list[str]:
    """Slugs of the campaign's target (not excluded) segments."""
    rows = session.exec(
        select(Segment.slug)
        .join(CampaignSegment, col(CampaignSegment.segment_id) == col(Segment.id))
        .where(
            col(CampaignSegment.campaign_id) == campaign_id, col(CampaignSegment.exclude).is_(False)
        )
        .order_by(Segment.slug)
    )
    return list(rows)


def lint_campaign(
    session: Session, *, campaign_id: int, at: datetime | None = None
) -> list[EditionLint]:
    """Render and lint every distinct previewable edition of the campaign."""
    segments: list[str | None] = [None, *target_segment_slugs(session, campaign_id=campaign_id)]
    seen: set[tuple[str, tuple[int, ...]]] = set()
    results: list[EditionLint] = []
    for language in LANGUAGES:
        for segment in segments:
            spec = preview_input(
                session, campaign_id=campaign_id, segment_slug=segment, language=language, at=at
            )
            ids = tuple(a.id for a in spec.announcements)
            if not ids or (language, ids) in seen:
                continue  # nobody gets an empty edition; equal sets render equally
            seen.add((language, ids))
            problems = merge_tag_problems(spec) or lint_rendered(spec, render_edition(spec))
            problems += edition_subject_problems(session, campaign_id=campaign_id, spec=spec, at=at)
            results.append(EditionLint(language, segment, ids, tuple(problems)))
    return results + matrix_subject_lints(session, campaign_id=campaign_id, at=at, seen=seen)


def edition_subject_problems(
    session: Session, *, campaign_id: int, spec: EditionInput, at: datetime | None
) -> list[LintProblem]:
    """The edition's subject must not name an announcement the campaign has but it lacks."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    moment = at or campaign.send_at or utcnow()
    plan = candidate_announcements(session, campaign=campaign, at=moment)
    ids = {a.id for a in spec.announcements}
    return subject_problems(
        spec.subject,
        language=spec.language,
        shown=[a for a in plan if a.id in ids],
        lacking=[a for a in plan if a.id not in ids],
    )


def matrix_subject_lints(
    session: Session,
    *,
    campaign_id: int,
    at: datetime | None,
    seen: set[tuple[str, tuple[int, ...]]],
) -> list[EditionLint]:
    """Subject findings of the editions real subscribers would get now (the live matrix).

    Only editions with a finding are listed, so a clean report counts the rendered ones.
    """
    campaign = get_campaign(session, campaign_id=campaign_id)
    moment = at or campaign.send_at or utcnow()
    counts = recipient_counts(session, campaign_id=campaign_id, at=moment)
    plan = tuple(candidate_announcements(session, campaign=campaign, at=moment))
    found = []
    for edition in counts.per_edition:
        language, chosen = announcements_for_key(plan, edition.key)
        spec = edition_input(
            session, campaign=campaign, language=language, announcements=chosen,
            settings=get_settings(),
        )  # fmt: skip
        ids = tuple(a.id for a in spec.announcements)
        if not ids or (language, ids) in seen:
            continue
        seen.add((language, ids))
        problems = edition_subject_problems(session, campaign_id=campaign_id, spec=spec, at=moment)
        if problems:
            found.append(EditionLint(language, f"edition {edition.key}", ids, tuple(problems)))
    return found


def merge_tag_problems(spec: EditionInput) -> list[LintProblem]:
    """Unknown placeholders in the subject and titles (they would be sent literally)."""
    texts = [("subject", spec.subject)]
    texts += [(f"title of announcement {a.id}", a.title) for a in spec.announcements]
    return [
        LintProblem("error", "merge-tag", f"unknown placeholder {snippet} in the {where}")
        for where, text in texts
        for snippet in unknown_tags(text)
    ]


def blocking_errors(lints: list[EditionLint]) -> list[str]:
    """One line per distinct error, naming the edition it was found in."""
    lines: dict[str, None] = {}
    for lint in lints:
        where = f"{lint.language}/{lint.segment or 'all announcements'}"
        for problem in lint.errors:
            lines.setdefault(f"[{where}] {problem.code}: {problem.message}", None)
    return list(lines)


def summary_header(problems: list[LintProblem]) -> str:
    """A short ASCII summary for the preview's X-Newsdesk-Lint header: counts, error codes."""
    blocking = [p for p in problems if tier_of(p.code, p.level) == "blocks"]
    errors = sorted({p.code for p in blocking})
    count = len(blocking)
    text = f"errors={count}" + (f" ({','.join(errors[:HEADER_CODES])})" if errors else "")
    text += f"; warnings={len(problems) - count}"
    return text.encode("ascii", "replace").decode("ascii")

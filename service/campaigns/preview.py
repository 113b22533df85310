"""Previews: the edition a segment member would get, with neutral personal values."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from service.campaigns.assembly import candidate_announcements
from service.campaigns.editions import edition_input
from service.campaigns.lifecycle import get_campaign
from service.campaigns.subscriber_view import fill
from service.errors import NotFound
from service.models import AnnouncementSegment, Segment
from service.models._common import utcnow
from service.rendering import merge_tags
from service.rendering.contract import (
    PLACEHOLDER_PREFIX,
    PLACEHOLDER_RE,
    PLACEHOLDER_SUFFIX,
    EditionInput,
    RenderedEdition,
)
from service.rendering.edition import render_edition
from service.settings import get_settings


def preview_input(
    session: Session,
    *,
    campaign_id: int,
    segment_slug: str | None,
    language: str,
    at: datetime | None = None,
) -> EditionInput:
    """The renderer input for members of one segment (or all announcements) in a language."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    announcements = candidate_announcements(
        session, campaign=campaign, at=at or campaign.send_at or utcnow()
    )
    if segment_slug:
        segment = session.exec(select(Segment).where(Segment.slug == segment_slug)).first()
        if segment is None:
            raise NotFound(f"segment {segment_slug!r} does not exist")
        targeted = set(
            session.exec(
                select(AnnouncementSegment.announcement_id).where(
                    AnnouncementSegment.segment_id == segment.id
                )
            )
        )
        announcements = [a for a in announcements if a.id in targeted]
    return edition_input(
        session,
        campaign=campaign,
        language=language,
        announcements=announcements,
        settings=get_settings(),
    )


def preview_rendered(
    session: Session, *, campaign_id: int, segment_slug: str | None, language: str
) -> RenderedEdition:
    """Render the edition for members of one segment (or all announcements) in a language."""
    spec = preview_input(
        session, campaign_id=campaign_id, segment_slug=segment_slug, language=language
    )
    return render_edition(spec)


def _neutral_value(key: str, links: tuple[str, ...]) -> str:
    """A harmless stand-in for one placeholder: original links, a dummy reply address."""
    if key.startswith("LINK") and key[4:].isdigit() and int(key[4:]) < len(links):
        return links[int(key[4:])]
    if key.startswith("REPLY"):
        return "reply@example.invalid"
    merged = merge_tags.value_for_key(key, None)  # a title's merge tag shows its fallback
    if merged is not None:
        return merged
    return {"NAME": "", "PIXEL": ""}.get(key, "#preview")


def neutral_fill(text: str, links: tuple[str, ...]) -> str:
    """Replace placeholders with harmless values for display (never used for sending)."""
    cut = slice(len(PLACEHOLDER_PREFIX), -len(PLACEHOLDER_SUFFIX))
    keys = {found[cut] for found in PLACEHOLDER_RE.findall(text)}
    return fill(text, {key: _neutral_value(key, links) for key in keys}, escape=False)

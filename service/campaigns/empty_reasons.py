"""Why a preview holds no items: each announcement that could have been in it, and what kept it out.

The universe is the announcements the team picked for the campaign when it has picks, else every
announcement (the same scope `assembly.candidate_announcements` filters). Reasons, in the
team's language: still a draft, outside its validity window, targets none of the previewed
segment, or has no text in the language while missing translations are omitted.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from service.campaigns.lifecycle import get_campaign
from service.campaigns.picks import picked_ids
from service.models import Announcement, AnnouncementSegment, ApprovalState, Segment
from service.models._common import as_utc, utcnow
from service.rendering.i18n import locale_date
from service.settings import get_settings

REASONS = {
    "en": {
        "none": "There is no announcement yet: write one and have it approved.",
        "draft": "“{title}” is still a draft: approve it to include it.",
        "early": "“{title}” is valid only from {date}.",
        "late": "“{title}” expired on {date}.",
        "segment": "“{title}” does not target the segment “{segment}”.",
        "language": "“{title}” has no {language} text, and missing translations are omitted.",
        "en": "English",
        "de": "German",
    },
    "de": {
        "none": "Es gibt noch keine Meldung: Schreiben Sie eine und lassen Sie sie freigeben.",
        "draft": "„{title}“ ist noch ein Entwurf: Geben Sie sie frei, damit sie erscheint.",
        "early": "„{title}“ gilt erst ab {date}.",
        "late": "„{title}“ ist am {date} abgelaufen.",
        "segment": "„{title}“ richtet sich nicht an das Segment „{segment}“.",
        "language": "„{title}“ hat keinen {language} Text, fehlende Übersetzungen werden "
        "weggelassen.",
        "en": "englischen",
        "de": "deutschen",
    },
}


def _reason(
    a: Announcement,
    *,
    at: datetime,
    targeted: set[int] | None,
    segment: str,
    language: str,
    ui: str,
) -> tuple[str, dict[str, str]]:
    """The first reason (catalogue key, values) that keeps one announcement out."""
    if a.approval != ApprovalState.APPROVED:
        return "draft", {}
    start, end = as_utc(a.valid_from), as_utc(a.valid_until)
    if start is not None and start > at:
        return "early", {"date": locale_date(start, ui)}
    if end is not None and end < at:
        return "late", {"date": locale_date(end, ui)}
    if targeted is not None and a.id not in targeted:
        return "segment", {"segment": segment}
    return "language", {"language": language}


def empty_reasons(
    session: Session,
    *,
    campaign_id: int,
    segment_slug: str | None,
    language: str,
    at: datetime | None = None,
    ui: str | None = None,
) -> list[str]:
    """One sentence per announcement that is not in the preview, saying why."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    at = as_utc(at or campaign.send_at) or utcnow()
    ui = ui if ui in REASONS else get_settings().operator_language
    texts = REASONS[ui]
    query = select(Announcement).order_by(col(Announcement.priority), col(Announcement.id))
    if chosen := picked_ids(session, campaign_id=campaign.id):
        query = query.where(col(Announcement.id).in_(chosen))
    universe = list(session.exec(query))
    if not universe:
        return [texts["none"]]
    targeted = _targeted(session, segment_slug) if segment_slug else None
    lines = []
    for a in universe:
        key, values = _reason(
            a, at=at, targeted=targeted, segment=segment_slug or "", language=texts[language],
            ui=ui,
        )  # fmt: skip
        title = a.title_de if language == "de" and a.title_de else a.title_en or a.slug
        lines.append(texts[key].format(title=title, **values))
    return lines


def _targeted(session: Session, segment_slug: str) -> set[int]:
    """Ids of the announcements that target a segment (none when it does not exist)."""
    segment = session.exec(select(Segment).where(Segment.slug == segment_slug)).first()
    if segment is None:
        return set()
    rows = session.exec(
        select(AnnouncementSegment.announcement_id).where(
            AnnouncementSegment.segment_id == segment.id
        )
    )
    return set(rows)

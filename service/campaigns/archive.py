"""The public web archive: sent campaigns the comms team marked public, per language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.campaigns.assembly import planned_announcements
from service.campaigns.editions import edition_input
from service.errors import NotFound
from service.models import Campaign, Edition
from service.models._common import as_utc, utcnow
from service.models.campaign import CampaignStatus
from service.rendering import merge_tags
from service.rendering.contract import EditionInput
from service.rendering.edition import render_web_view
from service.settings import get_settings

ARCHIVE_LIMIT = 200


@dataclass(frozen=True)
class ArchiveEntry:
    """One past edition in the archive listing and the feed."""

    campaign_id: int
    subject: str
    sent_at: datetime
    titles: tuple[str, ...]


def _public_sent() -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Campaign.status) == CampaignStatus.SENT, col(Campaign.public_archive).is_(True)
    )


def archive_entries(session: Session, *, language: str) -> list[ArchiveEntry]:
    """Public sent campaigns that went out in `language`, newest first."""
    sent_in_language = sa.exists().where(
        col(Edition.campaign_id) == col(Campaign.id), col(Edition.language) == language
    )
    campaigns = session.exec(
        select(Campaign)
        .where(_public_sent(), sent_in_language)
        .order_by(Campaign.finished_at.desc(), Campaign.id.desc())  # type: ignore[union-attr]
        .limit(ARCHIVE_LIMIT)
    ).all()
    entries = []
    for campaign in campaigns:
        spec = archived_input(session, campaign=campaign, language=language)
        sent_at = as_utc(campaign.finished_at or campaign.send_at or campaign.created_at)
        assert campaign.id is not None and sent_at is not None
        # An anonymous reader: merge tags show their fallbacks.
        titles = tuple(merge_tags.render(a.title, None) for a in spec.announcements)
        subject = merge_tags.render(spec.subject, None)
        entries.append(ArchiveEntry(campaign.id, subject, sent_at, titles))
    return entries


def archived_input(session: Session, *, campaign: Campaign, language: str) -> EditionInput:
    """Every announcement that went out in this language, in plan (priority) order."""
    sent_ids: set[int] = set()
    for ids in session.exec(
        select(Edition.announcement_ids).where(
            Edition.campaign_id == campaign.id, Edition.language == language
        )
    ):
        sent_ids.update(ids)
    plan = planned_announcements(session, campaign=campaign, at=campaign.send_at or utcnow())
    return edition_input(
        session,
        campaign=campaign,
        language=language,
        announcements=[a for a in plan if a.id in sent_ids],
        settings=get_settings(),
    )


def archived_edition_html(
    session: Session, *, campaign_id: int, language: str, switch_url: str = ""
) -> str:
    """The browser page of a public edition: no name, tokens, reply links or pixel."""
    campaign = session.exec(
        select(Campaign).where(Campaign.id == campaign_id, _public_sent())
    ).first()
    if campaign is None:
        raise NotFound(f"no public edition {campaign_id}")
    spec = archived_input(session, campaign=campaign, language=language)
    if not spec.announcements:
        raise NotFound(f"edition {campaign_id} did not go out in language {language!r}")
    # An anonymous reader has no unsubscribe/preferences link: the footer leaves them out.
    return render_web_view(spec, unsubscribe_url="", preferences_url="", switch_url=switch_url)

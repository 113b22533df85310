"""The demo world as readers see it: every edition stored, the campaign sent and public, tokens.

Shared by the catalogue test and the browser screenshots: seed the demo, render and store every
edition key the fan-out SQL would produce, mark the campaign sent to the public archive, and
hand out the URLs of every public page for a German and an English reader.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from service.addressing.link_tokens import make_preferences, make_unsubscribe
from service.addressing.tokens import codec
from service.audience.doi_mail import epoch_day
from service.campaigns.assembly import build_plan
from service.campaigns.editions import ensure_editions
from service.demo.seed import seed
from service.domain.campaign_states import CampaignStatus
from service.models import Campaign, Edition, Subscriber
from service.models._common import utcnow
from service.settings import get_settings


@dataclass(frozen=True)
class World:
    """The campaign, its stored editions and the public pages per reader language."""

    campaign_id: int
    editions: list[Edition]
    pages: dict[str, dict[str, str]]  # language -> page name -> path


def _reader(session: Session, language: str) -> Subscriber:
    return session.exec(
        select(Subscriber)
        .where(Subscriber.language == language, Subscriber.status == "confirmed")
        .order_by(Subscriber.id)
    ).first()  # type: ignore[return-value]


def build_world(session: Session, *, subscribers: int = 60) -> World:
    """Seed, store every edition, send the campaign to the archive; pages for de and en."""
    summary = seed(session, secret=get_settings().secret_bytes, subscribers=subscribers)
    campaign = session.get(Campaign, summary.campaign_id)
    assert campaign is not None and campaign.id is not None
    now = utcnow()
    plan = build_plan(session, campaign=campaign, at=now)
    keys = session.execute(sa.select(plan.edition_key).where(plan.audience).distinct())
    ensure_editions(session, campaign=campaign, keys=tuple(keys.scalars()), settings=get_settings())
    campaign.status, campaign.public_archive = CampaignStatus.SENT, True
    campaign.send_at, campaign.finished_at = now, now
    session.add(campaign)
    session.commit()
    pages: dict[str, dict[str, str]] = {}
    for language in ("de", "en"):
        reader = _reader(session, language)
        assert reader.id is not None
        pages[language] = {
            "signup": f"/subscribe?lang={language}",
            "confirm": f"/confirm/{codec().confirm(reader.id, epoch_day(now))}",
            "preferences": f"/p/{make_preferences(reader.id)}",
            "unsubscribe": f"/u/{make_unsubscribe(reader.id, campaign.id)}",
            "archive": f"/archive/{language}",
            "archive-edition": f"/archive/{language}/{campaign.id}",
            "web-view": f"/w/{codec().webview(campaign.id, reader.id)}",
        }
    editions = list(session.exec(select(Edition).where(Edition.campaign_id == campaign.id)))
    return World(campaign.id, editions, pages)

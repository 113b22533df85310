"""Test data for tracking: a sent campaign with two editions whose link tables differ."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session

from service.models import Campaign, Delivery, Edition, Subscriber
from service.models._common import utcnow
from tests.support.audience import hold_lists

LINKS_EN = ["https://partnership.example.org/mou", "https://partnership.example.org/stays"]
LINKS_DE = ["https://partnership.example.org/de/mou", "https://partnership.example.org/de/stays"]


@dataclass(frozen=True)
class SentCampaign:
    """Ids of the stored campaign: subscribers 1..n, odd ones consent to tracking."""

    campaign_id: int
    edition_en: int
    edition_de: int
    subscribers: tuple[int, ...]
    consenting: tuple[int, ...]
    edition_of: dict[int, int]  # subscriber -> edition id of their delivery


def sent_campaign(
    session: Session, *, subscribers: int = 6, tracking: str = "consent", sent_ago_s: int = 3600
) -> SentCampaign:
    """Store a campaign with editions en/de and one sent delivery per subscriber; commits."""
    campaign = Campaign(name="c", subject_en="s", subject_de="s", tracking=tracking)
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    editions = {}
    for lang, links in (("en", LINKS_EN), ("de", LINKS_DE)):
        ed = Edition(
            campaign_id=campaign.id,
            key=f"{lang}-3",
            language=lang,
            announcement_ids=[11, 12],
            links=links,
            link_announcements=[0, 1],
        )
        session.add(ed)
        session.flush()
        editions[lang] = ed.id
    ids = []
    for i in range(subscribers):
        sub = Subscriber(
            email=f"s{i}-{uuid.uuid4().hex[:6]}@example.org",
            email_hash=uuid.uuid4().hex,
            status="confirmed",
            tracking_consent=i % 2 == 0,
            language="en" if i % 3 else "de",
        )
        session.add(sub)
        hold_lists(session, [sub])
        ids.append((sub.id, sub.tracking_consent, sub.language))
    for sid, _consent, lang in ids:
        session.add(
            Delivery(
                campaign_id=campaign.id,
                subscriber_id=sid,
                edition_key=f"{lang}-3",
                status="sent",
                sent_at=utcnow() - timedelta(seconds=sent_ago_s),
            )
        )
    session.commit()
    return SentCampaign(
        campaign_id=campaign.id,
        edition_en=editions["en"],
        edition_de=editions["de"],
        subscribers=tuple(s for s, _c, _l in ids),
        consenting=tuple(s for s, c, _l in ids if c),
        edition_of={s: editions[lang] for s, _c, lang in ids},
    )


@pytest.fixture
def tracking_env(configured: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Settings with a real Redis and a stream of this test's own; returns the stream name."""
    from service.settings import reset_settings
    from service.tracking.targets import link_targets
    from tests.conftest import redis_url

    stream = f"test:tracking:{uuid.uuid4().hex}"
    monkeypatch.setenv("NEWSDESK_REDIS_URL", redis_url())
    monkeypatch.setenv("NEWSDESK_TRACKING_STREAM", stream)
    reset_settings()
    link_targets.clear()
    yield stream
    import redis

    redis.Redis.from_url(redis_url()).delete(stream)
    link_targets.clear()

"""A small automation world: segments, approved announcements, subscribers on a cadence."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from service.content.announcements import save_announcement
from service.content.approval import approve, submit
from service.domain.addresses import email_hash
from service.models import (
    Cadence,
    Delivery,
    DigestSchedule,
    Edition,
    ListSubscription,
    Segment,
    Subscriber,
    SubscriberStatus,
)
from service.settings import get_settings

SEGMENTS = {
    "everyone": {"all": []},
    "lung": {"attr": "topics", "contains": "lung"},
}


def ensure_segments(session: Session) -> None:
    """The two segments the tests target."""
    for slug, rule in SEGMENTS.items():
        if session.exec(select(Segment).where(Segment.slug == slug)).first() is None:
            session.add(Segment(slug=slug, name=slug.title(), rule=rule))
    session.flush()


def approved_announcement(session: Session, *, slug: str, segments: list[str]) -> int:
    """An announcement in both languages, submitted and approved (author 1, approver None)."""
    row = save_announcement(
        session,
        fields={
            "slug": slug,
            "title_en": f"EN {slug}",
            "title_de": f"DE {slug}",
            "summary_en": f"About {slug}.",
            "summary_de": f"Über {slug}.",
        },
        segments=segments,
    )
    assert row.id is not None
    submit(session, announcement_id=row.id, actor_id=None)
    approve(session, announcement_id=row.id, actor_id=None)
    return row.id


def subscriber(
    session: Session,
    *,
    email: str,
    language: str = "en",
    topics: tuple[str, ...] = (),
    cadence: Cadence = Cadence.WEEKLY,
    list_slug: str = "newsletter",
) -> int:
    """A confirmed subscriber on `cadence` for the list."""
    secret = get_settings().secret_bytes
    row = Subscriber(
        email=email,
        email_hash=email_hash(email, secret),
        language=language,
        status=SubscriberStatus.CONFIRMED,
        attributes={"topics": list(topics)},
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    if cadence != Cadence.ISSUE:
        session.add(ListSubscription(subscriber_id=row.id, list_slug=list_slug, cadence=cadence))
    session.flush()
    return row.id


def weekly_schedule(
    session: Session, *, created_at: datetime, cadence: Cadence = Cadence.WEEKLY, **fields: object
) -> int:
    """Mondays 08:00 Berlin (weekly) or the 1st at 08:00 (monthly), to everyone."""
    row = DigestSchedule(
        name=f"{cadence.value} digest",
        cadence=cadence,
        weekday=0,
        day_of_month=1,
        hour=8,
        segment_slugs=["everyone"],
        created_at=created_at,
        **fields,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def received(session: Session) -> dict[int, list[tuple[str, int]]]:
    """subscriber id -> [(edition language, announcement id)] over every SENT delivery."""
    stmt = (
        sa.select(Delivery.subscriber_id, Edition.language, Edition.announcement_ids)
        .join(
            Edition,
            sa.and_(
                Edition.campaign_id == Delivery.campaign_id, Edition.key == Delivery.edition_key
            ),
        )
        .where(Delivery.status == "sent")
    )
    got: dict[int, list[tuple[str, int]]] = {}
    for subscriber_id, language, ids in session.execute(stmt):
        got.setdefault(subscriber_id, []).extend((language, i) for i in ids)
    return got

"""Live recipient counts of a campaign: total, per target segment and per edition (two queries).

The edition counts group by the very edition-key expression fan-out inserts (build_plan), so the
numbers a draft shows are the deliveries it would create if it were sent now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from service.campaigns.assembly import announcements_for_key, build_plan
from service.campaigns.lifecycle import get_campaign
from service.domain.segment_rules import compile_rule
from service.models import CampaignSegment, Segment
from service.models._common import table_of, utcnow
from service.models.subscriber import Subscriber


@dataclass(frozen=True)
class EditionCount:
    """One edition: language, announcement slugs in order, recipients."""

    key: str
    language: str
    announcements: tuple[str, ...]
    recipients: int


@dataclass(frozen=True)
class RecipientCounts:
    """Who a campaign would reach now; a subscriber in two segments counts once in `total`."""

    total: int
    per_segment: tuple[tuple[str, str, int], ...]  # slug, name, recipients in that segment
    per_edition: tuple[EditionCount, ...]


def _targets(session: Session, campaign_id: int) -> list[Segment]:
    stmt = (
        select(Segment)
        .join(CampaignSegment, CampaignSegment.segment_id == Segment.id)  # type: ignore[arg-type]
        .where(CampaignSegment.campaign_id == campaign_id, CampaignSegment.exclude == False)  # noqa: E712
        .order_by(Segment.slug)
    )
    return list(session.exec(stmt))


def recipient_counts(
    session: Session, *, campaign_id: int, at: datetime | None = None
) -> RecipientCounts:
    """Recipients if the campaign were sent at `at` (default now), without freezing its plan."""
    campaign = get_campaign(session, campaign_id=campaign_id)
    plan = build_plan(
        session, campaign=campaign, at=at or campaign.send_at or utcnow(), freeze=False
    )
    dialect = session.get_bind().dialect.name
    segments = _targets(session, campaign_id)
    subscriber = table_of(Subscriber)
    columns = [sa.func.count()] + [
        sa.func.coalesce(
            sa.func.sum(sa.case((compile_rule(s.rule, dialect=dialect), 1), else_=0)), 0
        )
        for s in segments
    ]
    row = session.execute(sa.select(*columns).select_from(subscriber).where(plan.audience)).one()
    key = plan.edition_key.label("key")
    grouped = session.execute(
        sa.select(key, sa.func.count()).select_from(subscriber).where(plan.audience).group_by(key)
    ).all()
    editions = []
    for edition_key, count in sorted(grouped, key=lambda r: (-r[1], r[0])):
        language, chosen = announcements_for_key(plan.announcements, edition_key)
        editions.append(EditionCount(edition_key, language, tuple(a.slug for a in chosen), count))
    per_segment = tuple((s.slug, s.name, int(n)) for s, n in zip(segments, row[1:], strict=True))
    return RecipientCounts(int(row[0]), per_segment, tuple(editions))


def delivery_counts(session: Session, *, campaign_id: int) -> RecipientCounts:
    """For a campaign that started: its deliveries per edition (the truth, not a forecast)."""
    from service.campaigns.assembly import planned_announcements
    from service.models import Delivery

    campaign = get_campaign(session, campaign_id=campaign_id)
    plan = tuple(planned_announcements(session, campaign=campaign, at=campaign.send_at or utcnow()))
    table = table_of(Delivery)
    grouped = session.execute(
        sa.select(table.c.edition_key, sa.func.count())
        .where(table.c.campaign_id == campaign_id)
        .group_by(table.c.edition_key)
    ).all()
    editions = []
    for edition_key, count in sorted(grouped, key=lambda r: (-r[1], r[0])):
        language, chosen = announcements_for_key(plan, edition_key)
        editions.append(EditionCount(edition_key, language, tuple(a.slug for a in chosen), count))
    return RecipientCounts(sum(e.recipients for e in editions), (), tuple(editions))

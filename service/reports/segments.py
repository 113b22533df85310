"""Per-segment figures of a campaign: delivery, human opens, clicks and unsubscribes.

Segments are the campaign's targets plus every segment its editions' announcements target. A
reader counts in each segment they belong to (segments overlap); membership is evaluated now, by
the same compiled rule SQL the fan-out uses. Opens and clicks recorded without identity
(aggregate-only tracking) cannot be attributed to a segment and are left out here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.domain.segment_rules import compile_rule
from service.models import (
    AnnouncementSegment,
    Campaign,
    CampaignSegment,
    Delivery,
    Edition,
    Segment,
    Subscriber,
)
from service.models import TrackingEvent as TE
from service.models._common import table_of


@dataclass(frozen=True)
class SegmentStats:
    """One segment's figures for one campaign."""

    slug: str
    name: str
    sent: int
    delivered: int
    unique_human_opens: int
    unique_clicks: int
    unsubscribes: int


def _segments(session: Session, campaign_id: int) -> list[Segment]:
    """Target segments and the segments the sent announcements target, by name."""
    targets = select(CampaignSegment.segment_id).where(
        CampaignSegment.campaign_id == campaign_id, col(CampaignSegment.exclude).is_(False)
    )
    ids = set(session.exec(targets))
    sent = {i for e in session.exec(select(Edition).where(Edition.campaign_id == campaign_id))
            for i in e.announcement_ids}  # fmt: skip
    if sent:
        links = select(AnnouncementSegment.segment_id).where(
            col(AnnouncementSegment.announcement_id).in_(sent)
        )
        ids |= set(session.exec(links))
    if not ids:
        return []
    return list(
        session.exec(select(Segment).where(col(Segment.id).in_(ids)).order_by(Segment.name))
    )


def _count(session: Session, query: sa.Select[Any]) -> int:
    return int(session.execute(query).scalar_one() or 0)


def segment_stats(
    session: Session, *, campaign: Campaign, unsubscribed: set[int]
) -> list[SegmentStats]:
    """Figures per segment; `unsubscribed`: the campaign's unsubscribers (reports.unsubscribes)."""
    dialect = session.get_bind().dialect.name
    d = table_of(Delivery).c
    t = table_of(TE).c
    s = table_of(Subscriber).c
    out = []
    for segment in _segments(session, campaign.id or 0):
        member = compile_rule(segment.rule, dialect=dialect)
        deliveries = (
            sa.select(sa.func.count())
            .select_from(table_of(Delivery).join(table_of(Subscriber), s.id == d.subscriber_id))
            .where(d.campaign_id == campaign.id, member)
        )
        events = (
            sa.select(sa.func.count(t.subscriber_id.distinct()))
            .select_from(table_of(TE).join(table_of(Subscriber), s.id == t.subscriber_id))
            .where(t.campaign_id == campaign.id, t.machine == sa.false(), member)
        )
        left = 0
        if unsubscribed:
            left = _count(
                session,
                sa.select(sa.func.count()).where(s.id.in_(sorted(unsubscribed)), member),
            )
        out.append(
            SegmentStats(
                slug=segment.slug,
                name=segment.name,
                sent=_count(session, deliveries.where(d.status.in_(["sent", "failed"]))),
                delivered=_count(session, deliveries.where(d.status == "sent")),
                unique_human_opens=_count(session, events.where(t.kind == "open")),
                unique_clicks=_count(session, events.where(t.kind == "click")),
                unsubscribes=left,
            )
        )
    return out

"""Campaign reports: deliveries, bounces, complaints, human and machine opens, clicks per
announcement and link, unsubscribes, hourly series; per campaign and per edition.

Sources today: Delivery rows (sent = attempted, delivered = accepted by the relay; a failed
delivery whose last error starts with 5 is a hard bounce, else soft; an accepted one that a
DSN later bounced (`bounced_at`) is a hard bounce, not delivered), Suppression rows with
reason `complaint` created after the subscriber's delivery, Subscriber.unsubscribed_at after the
delivery. Replies per coordinator come from routed inquiries. Every subscriber got exactly one
edition, so unique counts per edition add up to the campaign's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from service.errors import NotFound
from service.inbound.acting.inquiries import per_coordinator
from service.models import (
    Announcement,
    Campaign,
    Edition,
)
from service.models import TrackingEvent as TE
from service.models._common import table_of
from service.reports.edition_names import edition_names
from service.reports.figures import NO_EDITION, Stats, campaign_totals
from service.reports.segments import SegmentStats, segment_stats
from service.settings import get_settings


@dataclass
class LinkStats:
    """Clicks on one link of one edition."""

    edition_key: str
    index: int
    url: str
    announcement: str  # title, or "(edition)" for links outside announcements
    unique: int = 0
    total: int = 0
    machine: int = 0


@dataclass
class CampaignReport:
    """Everything the CLI, the CSV and the HTML page show."""

    campaign_id: int
    name: str
    total: Stats
    editions: dict[str, Stats]
    links: list[LinkStats]
    announcements: dict[str, tuple[int, int]]  # title -> (unique, total) human clicks
    series: list[tuple[datetime, int, int]]  # hour, human opens, human clicks
    replies: dict[str, int] = field(default_factory=dict)  # coordinator -> replies (inbound)
    edition_names: dict[str, str] = field(default_factory=dict)  # key -> "Deutsch: titles"
    segments: list[SegmentStats] = field(default_factory=list)
    unsubscribe_channels: dict[str, int] = field(default_factory=dict)  # one-click, link, reply


def _link_stats(session: Session, campaign_id: int) -> list[LinkStats]:
    """Clicks per (edition, link) with the link's URL and announcement."""
    query_editions = select(Edition).where(Edition.campaign_id == campaign_id)
    editions = {e.key: e for e in session.exec(query_editions)}
    titles = _titles(session, {a for e in editions.values() for a in e.announcement_ids})
    t = table_of(TE).c
    query = (
        sa.select(
            t.edition_key,
            t.link_index,
            t.machine,
            sa.func.count(),
            sa.func.count(t.subscriber_id.distinct()),
        )
        .where(t.campaign_id == campaign_id, t.kind == "click")
        .group_by(t.edition_key, t.link_index, t.machine)
    )
    links: dict[tuple[str, int], LinkStats] = {}
    for key, index, machine, total, unique in session.execute(query):
        edition = editions.get(key or "")
        item = links.get((key or NO_EDITION, index))
        if item is None:
            item = links[(key or NO_EDITION, index)] = _describe(edition, key, index, titles)
        if machine:
            item.machine += total
        else:
            item.total += total
            item.unique += unique
    return sorted(links.values(), key=lambda li: (li.edition_key, li.index))


def _describe(
    edition: Edition | None, key: str | None, index: int, titles: dict[int, str]
) -> LinkStats:
    """URL and announcement of LINK{index} of an edition."""
    if edition is None or index >= len(edition.links):
        return LinkStats(key or NO_EDITION, index, "?", "?")
    owners = edition.link_announcements or []
    position = owners[index] if index < len(owners) else None
    title = "(edition)"
    if position is not None and position < len(edition.announcement_ids):
        title = titles.get(
            edition.announcement_ids[position], f"#{edition.announcement_ids[position]}"
        )
    return LinkStats(edition.key, index, edition.links[index], title)


def _titles(session: Session, ids: set[int]) -> dict[int, str]:
    """English (else German) title per announcement id."""
    if not ids:
        return {}
    a = table_of(Announcement).c
    rows = session.execute(sa.select(a.id, a.title_en, a.title_de).where(a.id.in_(ids)))
    return {i: en or de or f"#{i}" for i, en, de in rows}


def _announcement_clicks(
    session: Session, campaign_id: int, links: list[LinkStats]
) -> dict[str, tuple[int, int]]:
    """(unique clickers, total human clicks) per announcement; a reader counts once per item."""
    owner = {(li.edition_key, li.index): li.announcement for li in links}
    totals: dict[str, int] = defaultdict(int)
    for link in links:
        totals[link.announcement] += link.total
    t = table_of(TE).c
    query = (
        sa.select(t.edition_key, t.link_index, t.subscriber_id)
        .where(
            t.campaign_id == campaign_id,
            t.kind == "click",
            t.machine == sa.false(),
            t.subscriber_id.is_not(None),
        )
        .distinct()
    )
    readers: dict[str, set[int]] = defaultdict(set)
    for key, index, subscriber in session.execute(query):
        readers[owner.get((key or NO_EDITION, index), "?")].add(subscriber)
    return {title: (len(readers[title]), total) for title, total in totals.items()}


def _hour(column: sa.ColumnElement[datetime], dialect: str) -> sa.ColumnElement[str]:
    """The hour bucket of a timestamp, as text 'YYYY-MM-DD HH:00'."""
    if dialect == "postgresql":
        utc = sa.func.timezone("UTC", column)
        return sa.func.to_char(sa.func.date_trunc("hour", utc), "YYYY-MM-DD HH24:00")
    return sa.func.strftime("%Y-%m-%d %H:00", column)


def _series(session: Session, campaign_id: int) -> list[tuple[datetime, int, int]]:
    """Human opens and clicks per hour (UTC)."""
    t = table_of(TE).c
    bucket = _hour(t.occurred_at, session.get_bind().dialect.name).label("hour")
    query = (
        sa.select(bucket, t.kind, sa.func.count())
        .where(t.campaign_id == campaign_id, t.machine == sa.false())
        .group_by(bucket, t.kind)
    )
    hours: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for hour, kind, count in session.execute(query):
        hours[hour][0 if kind == "open" else 1] += count
    return [(datetime.strptime(h, "%Y-%m-%d %H:%M"), o, c) for h, (o, c) in sorted(hours.items())]


def campaign_report(session: Session, *, campaign_id: int, ui: str | None = None) -> CampaignReport:
    """The full report of one campaign; edition names in `ui` (default: the team's language)."""
    ui = ui or get_settings().operator_language
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"campaign {campaign_id} does not exist")
    per, total, left = campaign_totals(session, campaigns=[campaign])[campaign_id]
    links = _link_stats(session, campaign_id)
    return CampaignReport(
        campaign_id=campaign_id,
        name=campaign.name,
        total=total,
        editions=dict(sorted(per.items())),
        links=links,
        announcements=_announcement_clicks(session, campaign_id, links),
        series=_series(session, campaign_id),
        replies=per_coordinator(session, campaign_id=campaign_id),
        edition_names=edition_names(session, campaign_id=campaign_id, ui=ui),
        segments=segment_stats(session, campaign=campaign, unsubscribed=left.subscribers),
        unsubscribe_channels=dict(left.per_channel),
    )

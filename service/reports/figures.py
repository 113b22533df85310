"""A campaign's headline figures (sent, delivered, bounces, complaints, unsubscribes, opens,
clicks) per edition, for one campaign or several at once.

The dashboard and the trends view show these for several finished campaigns; computing them
in one grouped query per source (deliveries, complaints, events) instead of once per campaign
keeps those pages fast at a million subscribers, and the full report uses the same functions,
so the figures cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from service.models import Campaign, Delivery, Subscriber, Suppression
from service.models import TrackingEvent as TE
from service.reports.unsubscribes import Unsubscribes, campaign_unsubscribes

NO_EDITION = "(unknown)"  # anonymous opens carry no edition


@dataclass
class Stats:
    """The figures of one edition (or of the whole campaign)."""

    sent: int = 0
    delivered: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0
    unique_human_opens: int = 0
    human_opens: int = 0
    machine_opens: int = 0
    unique_clicks: int = 0
    total_clicks: int = 0
    machine_clicks: int = 0
    unsubscribes: int = 0

    def add(self, other: Stats) -> None:
        """Sum another edition's figures into these."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


Per = dict[tuple[int, str], Stats]  # (campaign id, edition key) -> figures
Totals = tuple[dict[str, Stats], Stats, Unsubscribes]


def _delivery_stats(session: Session, ids: list[int], per: Per) -> None:
    """Sent, delivered and bounce counts per campaign and edition."""
    d = Delivery.__table__.c  # type: ignore[attr-defined]
    # one row per delivery, so a delivery counts once however many DSNs came for it
    hard = sa.or_(
        sa.and_(d.status == "failed", d.last_error.like("5%")),  # refused at SMTP time
        sa.and_(d.status == "sent", d.bounced_at.is_not(None)),  # a DSN after acceptance
    )
    query = (
        sa.select(d.campaign_id, d.edition_key, d.status, hard.label("hard"), sa.func.count())
        .where(d.campaign_id.in_(ids), d.status.in_(["sent", "failed"]))
        .group_by(d.campaign_id, d.edition_key, d.status, hard)
    )
    for cid, key, status, is_hard, count in session.execute(query):
        stats = per[(cid, key)]
        stats.sent += count
        if is_hard:
            stats.hard_bounces += count
        elif status == "sent":
            stats.delivered += count
        else:
            stats.soft_bounces += count


def _complaints(session: Session, ids: list[int], per: Per) -> None:
    """Complaints of recipients after their delivery, per campaign and edition."""
    d = Delivery.__table__.c  # type: ignore[attr-defined]
    s = Subscriber.__table__.c  # type: ignore[attr-defined]
    x = Suppression.__table__.c  # type: ignore[attr-defined]
    query = (
        sa.select(d.campaign_id, d.edition_key, sa.func.count())
        .join(Subscriber.__table__, s.id == d.subscriber_id)  # type: ignore[attr-defined]
        .join(Suppression.__table__, x.email_hash == s.email_hash)  # type: ignore[attr-defined]
        .where(d.campaign_id.in_(ids), x.reason == "complaint", x.created_at >= d.sent_at)
        .group_by(d.campaign_id, d.edition_key)
    )
    for cid, key, count in session.execute(query):
        per[(cid, key)].complaints += count


def _event_stats(session: Session, ids: list[int], per: Per) -> None:
    """Opens and clicks per campaign and edition, human and machine apart."""
    t = TE.__table__.c  # type: ignore[attr-defined]
    query = (
        sa.select(
            t.campaign_id,
            t.edition_key,
            t.kind,
            t.machine,
            sa.func.count(),
            sa.func.count(t.subscriber_id.distinct()),
        )
        .where(t.campaign_id.in_(ids))
        .group_by(t.campaign_id, t.edition_key, t.kind, t.machine)
    )
    for cid, key, kind, machine, total, unique in session.execute(query):
        stats = per[(cid, key or NO_EDITION)]
        if kind == "open" and machine:
            stats.machine_opens += total
        elif kind == "open":
            stats.human_opens += total
            stats.unique_human_opens += unique
        elif machine:
            stats.machine_clicks += total
        else:
            stats.total_clicks += total
            stats.unique_clicks += unique


def campaign_totals(session: Session, *, campaigns: Sequence[Campaign]) -> dict[int, Totals]:
    """Per campaign id: figures per edition, their sum, and who left after it."""
    ids = [c.id for c in campaigns if c.id is not None]
    per: Per = defaultdict(Stats)
    if ids:
        _delivery_stats(session, ids, per)
        _complaints(session, ids, per)
        _event_stats(session, ids, per)
    result: dict[int, Totals] = {}
    for campaign in campaigns:
        assert campaign.id is not None
        left = campaign_unsubscribes(session, campaign=campaign)  # list and global, every channel
        for key, count in left.per_edition.items():
            per[(campaign.id, key)].unsubscribes += count
        editions = {k: v for (cid, k), v in per.items() if cid == campaign.id}
        total = Stats()
        for stats in editions.values():
            total.add(stats)
        result[campaign.id] = (editions, total, left)
    return result

"""Unsubscribes a campaign caused: list or global, by one-click, footer link, preference centre
or reply, counted once per recipient.

A withdrawal counts for a campaign when it happened after the recipient's delivery and either
names the campaign (the one-click / footer link of this campaign's mail), or names no other
campaign and leaves this campaign's list or everything (preference centre, reply, admin).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from service.models import Campaign, ConsentEvent, Delivery, Subscriber
from service.models._common import table_of

CAMPAIGN_SOURCE = re.compile(r"campaign (\d+) ")


@dataclass
class Unsubscribes:
    """Who left after this campaign: per edition key, per channel, and the subscriber ids."""

    per_edition: Counter[str] = field(default_factory=Counter)
    per_channel: Counter[str] = field(default_factory=Counter)
    subscribers: set[int] = field(default_factory=set)


def _counts_for(campaign: Campaign, source: str, detail: dict[str, object]) -> bool:
    """Whether one withdrawal belongs to this campaign."""
    named = CAMPAIGN_SOURCE.match(source or "")
    if named is not None:
        return int(named.group(1)) == campaign.id
    scope = detail.get("scope")
    return scope == "all" or (scope == "list" and detail.get("list") == campaign.list_slug)


def _status_only(session: Session, campaign: Campaign, first: dict[int, tuple[str, str]]) -> None:
    """Recipients set to unsubscribed after delivery without a ledger row (admin status edits)."""
    d = table_of(Delivery).c
    s = table_of(Subscriber).c
    query = (
        sa.select(d.edition_key, d.subscriber_id)
        .join(table_of(Subscriber), s.id == d.subscriber_id)
        .where(d.campaign_id == campaign.id, s.unsubscribed_at >= d.sent_at)
    )
    for key, subscriber_id in session.execute(query):
        first.setdefault(subscriber_id, (key, "admin"))


def campaign_unsubscribes(session: Session, *, campaign: Campaign) -> Unsubscribes:
    """Withdrawals of this campaign's recipients after their delivery, once per recipient."""
    d = table_of(Delivery).c
    e = table_of(ConsentEvent).c
    query = (
        sa.select(d.edition_key, d.subscriber_id, e.channel, e.source, e.detail)
        .join(table_of(ConsentEvent), e.subscriber_id == d.subscriber_id)
        .where(
            d.campaign_id == campaign.id,
            d.sent_at.is_not(None),
            e.event == "withdrawal",
            e.occurred_at >= d.sent_at,
        )
        .order_by(e.occurred_at)
    )
    out = Unsubscribes()
    first: dict[int, tuple[str, str]] = {}
    for key, subscriber_id, channel, source, detail in session.execute(query):
        if subscriber_id in first or not _counts_for(campaign, source, detail or {}):
            continue
        first[subscriber_id] = (key, channel or "link")
    _status_only(session, campaign, first)
    by_edition: dict[str, set[int]] = defaultdict(set)
    for subscriber_id, (key, channel) in first.items():
        by_edition[key].add(subscriber_id)
        out.per_channel[channel] += 1
    out.per_edition = Counter({k: len(v) for k, v in by_edition.items()})
    out.subscribers = set(first)
    return out

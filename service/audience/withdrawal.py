"""Leaving one list or everything: per-list opt-out, global unsubscribe with suppression."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from service.audience.ledger import record
from service.audience.suppression import suppress
from service.models._common import utcnow
from service.models.campaign import Campaign
from service.models.consent import ConsentEventKind, WithdrawalChannel
from service.models.subscriber import Subscriber, SubscriberStatus
from service.models.subscription import ListSubscription
from service.models.suppression import SuppressionReason
from service.settings import get_settings

GONE = frozenset({SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.BLOCKLISTED})


@dataclass(frozen=True)
class Withdrawal:
    """What an unsubscribe did: list_slug None means everything."""

    subscriber: Subscriber
    list_slug: str | None
    changed: bool


def memberships(session: Session, *, subscriber: Subscriber) -> dict[str, bool]:
    """Every known list (settings.mailing_lists plus any with a row) -> receives it.

    A list without a subscription row is one the subscriber never consented to: False.
    """
    result = dict.fromkeys(get_settings().mailing_lists, False)
    rows = session.exec(
        select(ListSubscription).where(ListSubscription.subscriber_id == subscriber.id)
    )
    result.update({row.list_slug: row.active for row in rows})
    if subscriber.status in GONE:
        return dict.fromkeys(result, False)
    return result


def set_membership(
    session: Session, *, subscriber: Subscriber, list_slug: str, active: bool, now: datetime
) -> bool:
    """Join or leave one list; False when nothing changed."""
    row = session.get(ListSubscription, (subscriber.id, list_slug))
    if row is None:
        if not active:  # no row already means no consent; a row marks a list held or left
            return False
        assert subscriber.id is not None
        row = ListSubscription(subscriber_id=subscriber.id, list_slug=list_slug, active=True)
        row.changed_at = now
        session.add(row)
    elif row.active == active:
        return False
    else:
        row.active, row.changed_at = active, now
    session.flush()
    return True


def _ledger(
    session: Session,
    subscriber: Subscriber,
    *,
    channel: WithdrawalChannel,
    ip: str | None,
    source: str,
    detail: dict[str, Any],
    at: datetime,
) -> None:
    """The withdrawal's row in the consent ledger (D3), one shape for a list and for all."""
    assert subscriber.id is not None
    record(
        session,
        subscriber_id=subscriber.id,
        event=ConsentEventKind.WITHDRAWAL,
        source=source,
        ip=ip,
        channel=channel,
        detail=detail,
        occurred_at=at,
    )


def leave_list(
    session: Session,
    *,
    subscriber: Subscriber,
    list_slug: str,
    channel: WithdrawalChannel,
    ip: str | None,
    source: str,
    now: datetime | None = None,
) -> Withdrawal:
    """Stop one list (STANDARDS B7); recorded in the ledger only when it changed something."""
    now = now or utcnow()
    changed = subscriber.status not in GONE and set_membership(
        session, subscriber=subscriber, list_slug=list_slug, active=False, now=now
    )
    if changed:
        detail = {"scope": "list", "list": list_slug}
        _ledger(session, subscriber, channel=channel, ip=ip, source=source, detail=detail, at=now)
    return Withdrawal(subscriber, list_slug, changed)


def leave_everything(
    session: Session,
    *,
    subscriber: Subscriber,
    channel: WithdrawalChannel,
    ip: str | None,
    source: str,
    now: datetime | None = None,
) -> Withdrawal:
    """Global unsubscribe: status, timestamp, suppression entry and ledger row; idempotent."""
    now = now or utcnow()
    suppress(session, subscriber=subscriber, reason=SuppressionReason.UNSUBSCRIBED)
    if subscriber.status in GONE:
        return Withdrawal(subscriber, None, False)
    previous = subscriber.status
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.unsubscribed_at = now
    session.flush()
    detail = {"scope": "all", "previous_status": previous}
    _ledger(session, subscriber, channel=channel, ip=ip, source=source, detail=detail, at=now)
    return Withdrawal(subscriber, None, True)


def unsubscribe_from_campaign(
    session: Session,
    *,
    subscriber: Subscriber,
    campaign_id: int,
    channel: WithdrawalChannel,
    ip: str | None,
    now: datetime | None = None,
) -> Withdrawal:
    """Leave the list the campaign was sent to; if the campaign is gone, leave everything."""
    campaign = session.get(Campaign, campaign_id)
    source = f"campaign {campaign_id} unsubscribe link"
    if campaign is None:  # the link must keep working (B6): over-honour rather than ignore
        return leave_everything(
            session, subscriber=subscriber, channel=channel, ip=ip, source=source, now=now
        )
    return leave_list(
        session,
        subscriber=subscriber,
        list_slug=campaign.list_slug,
        channel=channel,
        ip=ip,
        source=source,
        now=now,
    )

"""What a verdict does: suppress, score soft bounces (F3), unsubscribe, alert, count, pause (A8)."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.audience.suppression import suppress as add_suppression
from service.campaigns.lifecycle import apply_action
from service.domain.addresses import normalise_email
from service.domain.campaign_states import CampaignAction
from service.errors import InvalidInput, InvalidTransition, NotFound
from service.models import (
    BounceScore,
    ComplaintEvent,
    Delivery,
    DeliveryStatus,
    SenderAlert,
    Subscriber,
    SubscriberStatus,
    SuppressionReason,
    WithdrawalChannel,
)
from service.models._common import utcnow
from service.settings import get_settings


def suppress(
    session: Session, *, subscriber: Subscriber | None, address: str | None, reason: str
) -> None:
    """Add the address to the suppression list (idempotent) and blocklist the subscriber."""
    email = subscriber.email if subscriber else address
    if email:
        with contextlib.suppress(InvalidInput):  # an unreadable address has nothing to suppress
            add_suppression(session, email=email, reason=reason)
    if subscriber is not None:
        final = (
            SubscriberStatus.UNSUBSCRIBED
            if reason in {SuppressionReason.UNSUBSCRIBED, SuppressionReason.BOUNCING}
            else SubscriberStatus.BLOCKLISTED
        )
        subscriber.status = final
        subscriber.unsubscribed_at = subscriber.unsubscribed_at or utcnow()
        session.add(subscriber)
    session.flush()


def mark_bounced(session: Session, *, campaign_id: int, subscriber_id: int) -> None:
    """Record a later hard-bounce DSN on the accepted delivery it belongs to, once (reports)."""
    d = Delivery.__table__.c  # type: ignore[attr-defined]
    session.execute(
        sa.update(Delivery.__table__)  # type: ignore[attr-defined]
        .where(
            d.campaign_id == campaign_id,
            d.subscriber_id == subscriber_id,
            d.status == DeliveryStatus.SENT,
            d.bounced_at.is_(None),
        )
        .values(bounced_at=utcnow())
    )


def unsubscribe(session: Session, *, subscriber: Subscriber) -> None:
    """A reply that asked to leave: unsubscribed, suppressed, and a ledger withdrawal (D3)."""
    from service.audience.withdrawal import leave_everything  # the one path for withdrawals

    leave_everything(
        session, subscriber=subscriber, channel=WithdrawalChannel.REPLY, ip=None, source="reply"
    )


def score_bounce(
    session: Session, *, subscriber: Subscriber, hard: bool, today: date | None = None
) -> float:
    """Mailman scoring: +1 hard, +0.5 soft, once a day, reset when stale; disable above threshold.

    A disabled subscriber gets no campaigns; bounce_notices.py then warns and finally removes.
    """
    settings = get_settings()
    today = today or utcnow().date()
    if subscriber.id is None:
        raise InvalidInput("cannot score bounces for a subscriber that is not stored yet")
    row = session.get(BounceScore, subscriber.id) or BounceScore(subscriber_id=subscriber.id)
    if row.last_bounce_on and (today - row.last_bounce_on).days > settings.bounce_stale_days:
        row.score = 0.0
    if row.last_bounce_on != today:
        row.score += 1.0 if hard else 0.5
        row.last_bounce_on = today
    row.updated_at = utcnow()
    session.add(row)
    # "exceeds" (STANDARDS F3, Mailman): ten soft bounces reach 5.0, the eleventh disables
    if row.score > settings.bounce_score_threshold and row.disabled_at is None:
        _disable(session, subscriber=subscriber, row=row)
    session.flush()
    return row.score


def _disable(session: Session, *, subscriber: Subscriber, row: BounceScore) -> None:
    """Stop campaigns to a confirmed subscriber whose mail keeps bouncing; notices start."""
    if subscriber.status != SubscriberStatus.CONFIRMED:
        return  # unsubscribed or blocklisted already: nothing to disable
    subscriber.status = SubscriberStatus.DISABLED
    row.disabled_at, row.notices_sent, row.last_notice_at = utcnow(), 0, None
    session.add_all([subscriber, row])


def sender_alert(
    session: Session,
    *,
    message_id: int | None,
    campaign_id: int | None,
    status_code: str | None,
    detail: str,
    delivery_id: int | None = None,
    recipient_domain: str | None = None,
) -> SenderAlert:
    """Record a policy/reputation rejection for the admins; the subscriber is left alone."""
    alert = SenderAlert(
        inbound_message_id=message_id,
        campaign_id=campaign_id,
        delivery_id=delivery_id,
        recipient_domain=recipient_domain,
        status_code=status_code,
        detail=detail[:2000],
    )
    session.add(alert)
    session.flush()
    return alert


def record_complaint(
    session: Session,
    *,
    campaign_id: int | None,
    subscriber_id: int | None,
    feedback_type: str,
    message_id: int | None,
    delivery_id: int | None = None,
) -> ComplaintEvent:
    """Count one complaint for the campaign's complaint rate (F4)."""
    event = ComplaintEvent(
        campaign_id=campaign_id,
        subscriber_id=subscriber_id,
        delivery_id=delivery_id,
        feedback_type=feedback_type[:32],
        inbound_message_id=message_id,
    )
    session.add(event)
    session.flush()
    return event


def pause_for_policy_rejections(session: Session, *, campaign_id: int) -> bool:
    """Pause the campaign once enough recipient domains refused it (A8); True if paused.

    Rejections for authentication, reputation or rate are ours to fix: carrying on sending
    only burns reputation. Only rejections matched to our deliveries count, by distinct
    recipient domain, so one subscriber forging reports about their own copy cannot pause a
    campaign. A campaign that is not running (paused, sent, gone) stays as it is.
    """
    threshold = get_settings().policy_pause_threshold
    count = session.exec(
        select(sa.func.count(sa.distinct(col(SenderAlert.recipient_domain)))).where(
            SenderAlert.campaign_id == campaign_id, col(SenderAlert.delivery_id).is_not(None)
        )
    ).one()
    if count < threshold:
        return False
    try:
        apply_action(
            session,
            campaign_id=campaign_id,
            action=CampaignAction.PAUSE,
            reason=(
                f"policy rejections (5.7.x/4.7.x) from {count} recipient domains:"
                " check authentication and reputation"
            ),
        )
    except (InvalidTransition, NotFound):
        return False
    return True


def subscriber_by_address(session: Session, *, address: str) -> Subscriber | None:
    """The subscriber with this (normalised) address, if any."""
    try:
        email = normalise_email(address)
    except InvalidInput:
        return None
    return session.exec(select(Subscriber).where(Subscriber.email == email)).first()


def now() -> datetime:
    """UTC now (one place, so tests can reason about it)."""
    return utcnow()

"""Act on a bounce or complaint only for a delivery we made, once per delivery (finding 1).

Hard: suppress; soft: score; policy: alert (pausing counts distinct recipient domains);
complaint: suppress and count toward the complaint rate. A report that matches no delivery is
recorded (its verdict stays on the stored message) and logged, never acted on.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from service.addressing.mailbox_tokens import TokenDecoder
from service.inbound.acting import effects
from service.inbound.acting.matching import Match, applied_once, match_delivery
from service.inbound.reading.authentication import domain_of
from service.inbound.reading.classify import InboundVerdict
from service.models import InboundMessage, Subscriber, SuppressionReason

log = logging.getLogger(__name__)
UNMATCHED = "unmatched: recorded, not acted on"


def act_on_report(
    session: Session, *, row: InboundMessage, verdict: InboundVerdict, decoder: TokenDecoder
) -> str:
    """Apply a bounce/complaint verdict; returns what was done (adds and flushes)."""
    match = match_delivery(session, verdict=verdict, decoder=decoder, raw=row.raw)
    if match is None:
        return _unmatched(session, row=row, verdict=verdict)
    effect = _effect(verdict)
    delivery_id = match.delivery.id
    assert delivery_id is not None
    if not applied_once(session, delivery_id=delivery_id, effect=effect, inbound_message_id=row.id):
        return f"already applied: {effect} for delivery {delivery_id}"
    subscriber = session.get(Subscriber, match.delivery.subscriber_id)
    if subscriber is None:
        return UNMATCHED
    if effect in {"complaint", "opt-out"}:
        return _complaint(session, row=row, verdict=verdict, match=match, subscriber=subscriber)
    if effect == "policy":
        return _policy(session, row=row, verdict=verdict, match=match, subscriber=subscriber)
    if effect == "hard":
        effects.suppress(
            session, subscriber=subscriber, address=None, reason=SuppressionReason.HARD_BOUNCE
        )
        # a DSN after the relay accepted the mail: the report counts it bounced, not delivered
        effects.mark_bounced(
            session,
            campaign_id=match.delivery.campaign_id,
            subscriber_id=match.delivery.subscriber_id,
        )
        return "suppressed"
    score = effects.score_bounce(session, subscriber=subscriber, hard=False)
    return f"scored {score:.1f}"


def _effect(verdict: InboundVerdict) -> str:
    """The kind of effect, the unit of once-per-delivery."""
    if verdict.kind == "complaint":
        return "opt-out" if verdict.reason == "opt-out" else "complaint"
    if verdict.bounce_category == "policy":
        return "policy"
    return "hard" if verdict.bounce_type == "hard" else "soft"


def _unmatched(session: Session, *, row: InboundMessage, verdict: InboundVerdict) -> str:
    """Record for the admins; a policy rejection still raises an alert that pauses nothing."""
    log.warning(
        "inbound message %s: %s matching none of our deliveries ignored (addresses %s)",
        row.id,
        verdict.kind,
        verdict.addresses[:3],
    )
    if verdict.kind == "bounce" and verdict.bounce_category == "policy":
        effects.sender_alert(
            session,
            message_id=row.id,
            campaign_id=None,
            status_code=verdict.status_code,
            detail=f"unmatched report: {verdict.reason or ''}",
        )
    return UNMATCHED


def _complaint(
    session: Session,
    *,
    row: InboundMessage,
    verdict: InboundVerdict,
    match: Match,
    subscriber: Subscriber,
) -> str:
    """Suppress at once (F4); a spam complaint also counts toward the campaign's rate."""
    opt_out = verdict.reason == "opt-out"  # Apple Mail's unsubscribe button: a wish, not spam
    effects.suppress(
        session,
        subscriber=subscriber,
        address=None,
        reason=SuppressionReason.UNSUBSCRIBED if opt_out else SuppressionReason.COMPLAINT,
    )
    if not opt_out:
        effects.record_complaint(
            session,
            campaign_id=match.delivery.campaign_id,
            subscriber_id=subscriber.id,
            delivery_id=match.delivery.id,
            feedback_type=verdict.reason or "abuse",
            message_id=row.id,
        )
    return "suppressed"


def _policy(
    session: Session,
    *,
    row: InboundMessage,
    verdict: InboundVerdict,
    match: Match,
    subscriber: Subscriber,
) -> str:
    """A rejection of our sending (A8): alert; pause once enough recipient domains refuse."""
    campaign_id = match.delivery.campaign_id
    effects.sender_alert(
        session,
        message_id=row.id,
        campaign_id=campaign_id,
        status_code=verdict.status_code,
        detail=verdict.reason or "",
        delivery_id=match.delivery.id,
        recipient_domain=domain_of(subscriber.email),
    )
    paused = effects.pause_for_policy_rejections(session, campaign_id=campaign_id)
    return "alert; campaign paused" if paused else "alert"

"""Screen a coordinator's answer before it is relayed (issue 15, finding 9).

Relay only an authenticated answer from the coordinator or a substitute, and never to a
subscriber who is blocklisted, erased or suppressed for a complaint or a dead address; anything
else is held: recorded on the stored message with the reason, not sent.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from service.domain.addresses import email_hash, normalise_email
from service.errors import InvalidInput
from service.inbound.reading.answer_authentication import answer_authentication
from service.models import (
    Coordinator,
    InboundMessage,
    Inquiry,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
)
from service.settings import get_settings

log = logging.getLogger(__name__)
_NEVER_MAIL = {SuppressionReason.ERASED, SuppressionReason.COMPLAINT, SuppressionReason.HARD_BOUNCE}


def allowed_senders(session: Session, *, coordinator: Coordinator | None) -> list[str]:
    """The coordinator's address and, where the model has one, their substitute's."""
    if coordinator is None:
        return []
    found = [coordinator.email]
    substitute_id = getattr(coordinator, "substitute_id", None)  # inbox's substitutes, if any
    substitute = session.get(Coordinator, substitute_id) if substitute_id else None
    if substitute is not None:
        found.append(substitute.email)
    return found


def screen_answer(
    session: Session, *, row: InboundMessage, inquiry: Inquiry, subscriber: Subscriber
) -> str | None:
    """None when the answer may be relayed, else why it is held."""
    if _must_not_mail(session, subscriber=subscriber):
        return f"not relayed: subscriber {subscriber.id} must not be mailed"
    coordinator = (
        session.get(Coordinator, inquiry.coordinator_id) if inquiry.coordinator_id else None
    )
    verdict = answer_authentication(
        raw=row.raw,
        envelope_from=row.envelope_from,
        allowed=allowed_senders(session, coordinator=coordinator),
    )
    if verdict.relay:
        return None
    log.warning("answer to inquiry %s held: %s", inquiry.id, verdict.reason)
    return f"held for the coordinator to confirm: {verdict.reason}"


def _must_not_mail(session: Session, *, subscriber: Subscriber) -> bool:
    """Blocklisted, or suppressed as erased, complaining or undeliverable."""
    if subscriber.status == SubscriberStatus.BLOCKLISTED:
        return True
    try:
        digest = email_hash(normalise_email(subscriber.email), get_settings().secret_bytes)
    except InvalidInput:
        return True
    reason = session.exec(
        select(Suppression.reason).where(Suppression.email_hash == digest)
    ).first()
    return reason in _NEVER_MAIL

"""Screen a coordinator's answer before it is relayed (issue 15, finding 9).

Relay only an authenticated answer from the coordinator or a substitute, and never to a
subscriber who is blocklisted, erased or suppressed for a complaint or a dead address; anything
else is held: recorded on the stored message with the reason, not sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from service.domain.addresses import email_hash, normalise_email
from service.errors import InvalidInput
from service.inbound.reading.answer_authentication import answer_authentication
from service.inbox.absence import answering_for
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


def allowed_senders(session: Session, *, inquiry: Inquiry, now: datetime) -> list[str]:
    """The assignee's address (in triage: the triage owners'), the coordinator it was meant for
    (an absence sent it on) and whoever answers for the assignee now (a substitute)."""
    ids = [inquiry.coordinator_id, inquiry.intended_coordinator_id]
    if inquiry.coordinator_id:
        ids.append(answering_for(session, coordinator_id=inquiry.coordinator_id, now=now))
    found: list[str] = []
    if not inquiry.coordinator_id:  # in triage: whoever owns triage got the hand-off
        from service.inbox.placement import triage_owners

        found += [c.email for c in triage_owners(session, now=now)]
    for cid in dict.fromkeys(i for i in ids if i):
        coordinator = session.get(Coordinator, cid)
        if coordinator is not None:
            found.append(coordinator.email)
    return found


@dataclass(frozen=True)
class Held:
    """Why an answer is not relayed; `confirmable`: a person may still send it (unverified)."""

    reason: str
    confirmable: bool


def screen_answer(
    session: Session,
    *,
    row: InboundMessage,
    inquiry: Inquiry,
    subscriber: Subscriber,
    now: datetime,
) -> Held | None:
    """None when the answer may be relayed, else why it is held."""
    if must_not_mail(session, subscriber=subscriber):
        return Held(f"not relayed: subscriber {subscriber.id} must not be mailed", False)
    verdict = answer_authentication(
        raw=row.raw,
        envelope_from=row.envelope_from,
        allowed=allowed_senders(session, inquiry=inquiry, now=now),
        client_ip=row.client_ip,
        client_helo=row.client_helo,
    )
    if verdict.relay:
        return None
    log.warning("answer to inquiry %s held: %s", inquiry.id, verdict.reason)
    return Held(f"held for the coordinator to confirm: {verdict.reason}", True)


def must_not_mail(session: Session, *, subscriber: Subscriber) -> bool:
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

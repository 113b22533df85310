"""Which of our deliveries a bounce or complaint is about, if any (issue 15, finding 1).

The bounce and reply addresses are public, so what a report SAYS (Final-Recipient,
Original-Rcpt-To) proves nothing. A report is tied to a delivery only by what we minted for
that delivery: a signed VERP or List-Unsubscribe token, or the Message-ID of the message we sent
(in the returned original's headers). Feedback loops that strip the original are believed only
from a configured FBL domain whose DKIM signature verifies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.addressing.mailbox_tokens import TokenDecoder
from service.inbound.reading.authentication import aligned, domain_of, signed_by
from service.inbound.reading.classify import InboundVerdict
from service.models import Delivery, DeliveryFeedback, DeliveryStatus, Subscriber
from service.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    """The delivery a report is about and how we know."""

    delivery: Delivery
    via: str  # verp, unsubscribe-token, message-id, fbl


def match_delivery(
    session: Session, *, verdict: InboundVerdict, decoder: TokenDecoder, raw: bytes
) -> Match | None:
    """The sent delivery this bounce or complaint names, or None (then nothing is acted on)."""
    for token in verdict.bounce_tokens:
        ids = decoder.bounce(token)
        found = ids and _sent(session, campaign_id=ids[0], subscriber_id=ids[1])
        if found:
            return Match(found, "verp")
    for token in verdict.unsubscribe_tokens:
        unsub = decoder.unsubscribe(token)
        found = unsub and _sent(session, campaign_id=unsub[1], subscriber_id=unsub[0])
        if found:
            return Match(found, "unsubscribe-token")
    for token in verdict.reply_tokens:  # Apple's opt-out goes to the reply address it read
        target = decoder.reply(token)
        if target is None or target.campaign_id is None or target.subscriber_id is None:
            continue
        found = _sent(session, campaign_id=target.campaign_id, subscriber_id=target.subscriber_id)
        if found:
            return Match(found, "reply-token")
    by_id = _by_message_ids(session, verdict)
    if by_id is not None:
        return Match(by_id, "message-id")
    if verdict.kind == "complaint" and _authentic_fbl(verdict, raw):
        by_address = _latest_to(session, addresses=verdict.addresses)
        if by_address is not None:
            return Match(by_address, "fbl")
    return None


def applied_once(
    session: Session, *, delivery_id: int, effect: str, inbound_message_id: int | None
) -> bool:
    """Record that `effect` was applied to the delivery; False when it had been already."""
    exists = session.exec(
        select(DeliveryFeedback.id).where(
            DeliveryFeedback.delivery_id == delivery_id, DeliveryFeedback.effect == effect
        )
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():  # two workers with two copies: the unique key decides
            session.add(
                DeliveryFeedback(
                    delivery_id=delivery_id, effect=effect, inbound_message_id=inbound_message_id
                )
            )
    except IntegrityError:
        return False
    return True


def _sent(session: Session, *, campaign_id: int, subscriber_id: int) -> Delivery | None:
    """The delivery of that campaign to that subscriber, if it was actually sent."""
    return session.exec(
        select(Delivery).where(
            Delivery.campaign_id == campaign_id,
            Delivery.subscriber_id == subscriber_id,
            Delivery.status == DeliveryStatus.SENT,
        )
    ).first()


def _by_message_ids(session: Session, verdict: InboundVerdict) -> Delivery | None:
    """The delivery whose Message-ID the returned original carries."""
    ids = [*verdict.returned_message_ids]
    if verdict.original_message_id:
        ids.append(verdict.original_message_id)
    wanted = {f"<{i.strip().strip('<>')}>" for i in ids if i.strip().strip("<>")}
    if not wanted:
        return None
    return session.exec(
        select(Delivery).where(
            col(Delivery.message_id).in_(sorted(wanted)), Delivery.status == DeliveryStatus.SENT
        )
    ).first()


def _authentic_fbl(verdict: InboundVerdict, raw: bytes) -> bool:
    """From a configured FBL domain, with a verifying DKIM signature of that domain."""
    from email.utils import parseaddr

    sender_domain = domain_of(parseaddr(verdict.from_address)[1])
    configured = [d.lower() for d in get_settings().fbl_domains]
    if not sender_domain or not aligned(sender_domain, configured):
        return False
    ok = signed_by(raw, [sender_domain]) is not None
    if not ok:
        log.warning("feedback report claiming %s has no valid DKIM signature", sender_domain)
    return ok


def _latest_to(session: Session, *, addresses: list[str]) -> Delivery | None:
    """The latest sent delivery to the subscriber with one of these addresses."""
    from service.inbound.acting.effects import subscriber_by_address

    for address in addresses[:3]:
        sub: Subscriber | None = subscriber_by_address(session, address=address)
        if sub is None:
            continue
        found = session.exec(
            select(Delivery)
            .where(Delivery.subscriber_id == sub.id, Delivery.status == DeliveryStatus.SENT)
            .order_by(col(Delivery.sent_at).desc())
        ).first()
        if found is not None:
            return found
    return None

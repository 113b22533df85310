"""Whose inbound message this is, so GDPR export and erasure find it (issue 14, item 4).

The link is set once, after processing: first from what processing itself tied the message to
(an inquiry or its thread, a complaint, a bounce's delivery, a reply token), else from the
addresses the message names (sender, envelope sender, a bounce's failed recipient) when they
belong to exactly one subscriber. A message nobody can be tied to stays unlinked.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import Session

from service.addressing.mailbox_tokens import TokenDecoder
from service.domain.addresses import email_hash, normalise_email
from service.errors import InvalidInput
from service.inbound.reading.classify import InboundVerdict
from service.models import (
    ComplaintEvent,
    Delivery,
    DeliveryFeedback,
    InboundMessage,
    Inquiry,
    InquiryMessage,
    Subscriber,
)
from service.models._common import table_of
from service.settings import get_settings


def link_owner(
    session: Session,
    *,
    row: InboundMessage,
    verdict: InboundVerdict,
    decoder: TokenDecoder,
    inquiry_id: int | None = None,
) -> int | None:
    """Set row.subscriber_id when known (adds, no flush); returns it.

    `inquiry_id` is the inquiry processing opened, continued or answered (a coordinator's
    answer by mail is about that inquiry's subscriber).
    """
    if row.subscriber_id is None and inquiry_id is not None:
        inquiry = session.get(Inquiry, inquiry_id)
        row.subscriber_id = inquiry.subscriber_id if inquiry else None
    if row.subscriber_id is None:
        row.subscriber_id = _from_effects(session, row) or _from_tokens(session, verdict, decoder)
    if row.subscriber_id is None:
        row.subscriber_id = _by_address(
            session, [verdict.from_address, row.envelope_from, *verdict.addresses]
        )
    session.add(row)
    return row.subscriber_id


def _from_effects(session: Session, row: InboundMessage) -> int | None:
    """The subscriber of the inquiry, thread entry, complaint or bounce this message produced."""
    session.flush()
    inquiry, entry = table_of(Inquiry), table_of(InquiryMessage)
    complaint, feedback = table_of(ComplaintEvent), table_of(DeliveryFeedback)
    delivery = table_of(Delivery)
    queries = [
        sa.select(inquiry.c.subscriber_id).where(inquiry.c.inbound_message_id == row.id),
        sa.select(inquiry.c.subscriber_id)
        .join(entry, entry.c.inquiry_id == inquiry.c.id)
        .where(entry.c.inbound_message_id == row.id),
        sa.select(complaint.c.subscriber_id).where(complaint.c.inbound_message_id == row.id),
        sa.select(delivery.c.subscriber_id)
        .join(feedback, feedback.c.delivery_id == delivery.c.id)
        .where(feedback.c.inbound_message_id == row.id),
    ]
    for query in queries:
        found = session.execute(query.limit(1)).scalar()
        if found is not None:
            return int(found)
    return None


def _from_tokens(session: Session, v: InboundVerdict, decoder: TokenDecoder) -> int | None:
    """A reply token's or unsubscribe token's subscriber, when that subscriber exists."""
    ids = [t.subscriber_id for t in (decoder.reply(tok) for tok in v.reply_tokens) if t]
    ids += [d[0] for d in (decoder.unsubscribe(tok) for tok in v.unsubscribe_tokens) if d]
    for subscriber_id in ids:
        if subscriber_id and session.get(Subscriber, subscriber_id) is not None:
            return subscriber_id
    return None


def _by_address(session: Session, addresses: Iterable[str]) -> int | None:
    """The one subscriber whose keyed hash matches one of these addresses."""
    secret = get_settings().secret_bytes
    keys = set()
    for address in addresses:
        try:
            keys.add(email_hash(normalise_email(address), secret))
        except InvalidInput:
            continue
    if not keys:
        return None
    sub = table_of(Subscriber)
    found = set(session.execute(sa.select(sub.c.id).where(sub.c.email_hash.in_(keys))).scalars())
    return found.pop() if len(found) == 1 else None

"""The one suppression list: unsubscribes, hard bounces, complaints and erasures, by keyed hash."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from service.domain.addresses import email_hash, normalise_email
from service.errors import InvalidInput
from service.models._common import table_of, utcnow
from service.models.subscriber import Subscriber
from service.models.suppression import Suppression, SuppressionReason
from service.settings import get_settings

# Reasons a person can lift by subscribing again themselves (double opt-in); the others are
# facts about the address (dead mailbox, spam complaint, admin block) that a form must not undo.
# A confirmed re-signup lifts these; a removal for bouncing too: the confirmation proves the
# mailbox works again (F3).
SELF_LIFTABLE = frozenset(
    {SuppressionReason.UNSUBSCRIBED, SuppressionReason.ERASED, SuppressionReason.BOUNCING}
)


def hash_of(email: str) -> str:
    """Keyed hash of an address after normalisation (raises InvalidInput on bad syntax)."""
    return email_hash(normalise_email(email), get_settings().secret_bytes)


def suppress(
    session: Session,
    *,
    reason: SuppressionReason | str,
    email: str | None = None,
    subscriber: Subscriber | None = None,
) -> Suppression:
    """Add (or keep) the suppression entry for an address; the first reason recorded stays."""
    reason = SuppressionReason(reason)
    if (email is None) == (subscriber is None):
        raise InvalidInput("suppress: give exactly one of email or subscriber")
    key = subscriber.email_hash if subscriber is not None else hash_of(email or "")
    session.flush()  # pending rows first: the write below goes through the same connection
    write_suppression(session.connection(), email_hash_=key, reason=reason)
    row = session.exec(
        select(Suppression)
        .where(Suppression.email_hash == key)
        .execution_options(populate_existing=True)
    ).one()
    return row


def write_suppression(conn: Connection, *, email_hash_: str, reason: SuppressionReason) -> bool:
    """The one write to the suppression list (ORM callers and the Core send path alike).

    Inserts the entry when absent (True); the first reason recorded stays, except that an
    erasure replaces a self-liftable reason, being permanent against re-import.
    """
    table = table_of(Suppression)
    found = conn.execute(sa.select(table.c.reason).where(table.c.email_hash == email_hash_)).first()
    if found is None:
        conn.execute(
            sa.insert(table).values(email_hash=email_hash_, reason=reason, created_at=utcnow())
        )
        return True
    if reason == SuppressionReason.ERASED and found[0] in SELF_LIFTABLE:
        conn.execute(
            sa.update(table).where(table.c.email_hash == email_hash_).values(reason=reason)
        )
    return False


def is_suppressed(
    session: Session, *, email: str | None = None, email_hash_: str | None = None
) -> bool:
    """True when the address (or its keyed hash) is on the suppression list."""
    key = email_hash_ if email_hash_ is not None else hash_of(email or "")
    stmt = sa.select(sa.literal(1)).where(col(Suppression.email_hash) == key)
    return session.execute(stmt).first() is not None


def suppression_of(session: Session, *, email_hash_: str) -> Suppression | None:
    """The suppression entry for a hash, if any."""
    return session.exec(select(Suppression).where(Suppression.email_hash == email_hash_)).first()


def lift_by_consent(session: Session, *, email_hash_: str) -> bool:
    """Remove an unsubscribe/erasure entry after the person confirmed a new subscription."""
    row = suppression_of(session, email_hash_=email_hash_)
    if row is None or row.reason not in SELF_LIFTABLE:
        return False
    session.delete(row)
    session.flush()
    return True

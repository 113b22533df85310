"""Marks: record each send outcome durably before the next message goes out."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from service.audience.suppression import write_suppression
from service.campaigns.claims import Claimed, D, S, set_status
from service.mail.compose import OutgoingMessage
from service.mail.smtp_pool import SendOutcome, SendResult
from service.models import (
    DeliveryStatus,
    SenderAlert,
    SubscriberStatus,
    SuppressionReason,
)
from service.models._common import table_of, utcnow

MARK_SENT = (
    sa.update(D)
    .where(D.c.id == sa.bindparam("did"))
    .values(
        status=DeliveryStatus.SENT.value, sent_at=sa.bindparam("at"), message_id=sa.bindparam("mid")
    )
)


PG_MARK_SENT = (
    "UPDATE delivery SET status = 'sent', sent_at = %(at)s, message_id = %(mid)s WHERE id = %(did)s"
)


class SentMarker:
    """Marks one delivery sent in its own (autocommit) statement: the hottest write we do.

    On PostgreSQL it goes straight to the psycopg cursor, which prepares the statement after a
    few uses; that skips SQLAlchemy's per-call overhead (about a tenth of the per-message CPU).
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cursor = None
        if conn.dialect.name == "postgresql":
            self.cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]

    def __call__(self, delivery_id: int, message_id: str) -> None:
        """Record that the relay accepted `message_id` for this delivery."""
        params = {"did": delivery_id, "at": utcnow(), "mid": message_id}
        if self.cursor is not None:
            self.cursor.execute(PG_MARK_SENT, params)
        else:
            self.conn.execute(MARK_SENT, params)


def mark_result(
    conn: Connection,
    *,
    campaign_id: int,
    claimed: Claimed,
    message: OutgoingMessage,
    result: SendResult,
    max_attempts: int,
    mark_sent: SentMarker,
) -> str:
    """Record one outcome and commit it before the next message goes out."""
    if result.outcome is SendOutcome.SENT:
        mark_sent(claimed.delivery_id, message.message_id)
        outcome = "sent"
    elif result.outcome is SendOutcome.TEMPORARY:
        conn.execute(
            sa.update(D)
            .where(D.c.id == claimed.delivery_id)
            .values(
                status=sa.case(
                    (D.c.attempts >= max_attempts, DeliveryStatus.FAILED),
                    else_=DeliveryStatus.QUEUED,
                ),
                last_error=result.detail[:1000],
            )
        )
        outcome = "retry"
    else:
        set_status(
            conn,
            [claimed.delivery_id],
            status=DeliveryStatus.FAILED,
            last_error=result.detail[:1000],
        )
        if result.recipient_fault:
            _record_hard_bounce(conn, subscriber_id=claimed.subscriber_id)
        outcome = "failed"
    if result.category == "policy":
        # Our fault (content, authentication, reputation), never the subscriber's: counted with
        # the policy bounces that come back later, toward the campaign's policy pause (A8).
        _record_policy_refusal(conn, campaign_id=campaign_id, result=result)
        outcome = "policy"
    conn.commit()
    return outcome


def _record_policy_refusal(conn: Connection, *, campaign_id: int, result: SendResult) -> None:
    """A SenderAlert like an inbound policy bounce's (the same pause threshold counts both)."""
    from service.mail.smtp_replies import enhanced_code

    conn.execute(
        sa.insert(table_of(SenderAlert)).values(
            campaign_id=campaign_id,
            status_code=enhanced_code(result.detail) or (str(result.code) if result.code else None),
            detail=f"refused at send: {result.detail}"[:2000],
            created_at=utcnow(),
        )
    )


def policy_refusals(conn: Connection, *, campaign_id: int) -> int:
    """Policy rejections recorded for the campaign (at send and from bounces)."""
    table = table_of(SenderAlert)
    query = sa.select(sa.func.count()).select_from(table).where(table.c.campaign_id == campaign_id)
    return int(conn.execute(query).scalar_one())


def _record_hard_bounce(conn: Connection, *, subscriber_id: int) -> None:
    """A 5xx for the recipient at RCPT/DATA is a hard bounce: suppress after one event."""
    row = conn.execute(sa.select(S.c.email_hash).where(S.c.id == subscriber_id)).one()
    conn.execute(
        sa.update(S).where(S.c.id == subscriber_id).values(status=SubscriberStatus.BLOCKLISTED)
    )
    write_suppression(conn, email_hash_=row[0], reason=SuppressionReason.HARD_BOUNCE)

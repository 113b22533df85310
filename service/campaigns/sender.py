"""Send one range of deliveries: claim a small chunk, re-check the world, send, mark each.

Rows are claimed `recheck_every` at a time and processed in id order; each accepted message is
marked sent in its own commit before the next one is sent. After a crash the claimed but unmarked
rows go back to the queue, so at most the message that was in SMTP DATA is sent twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from service import webhooks
from service.campaigns.claims import (
    Claimed,
    campaign_row,
    campaign_state,
    claim_chunk,
    load_claimed,
    set_status,
    touch_heartbeat,
)
from service.campaigns.marks import SentMarker, mark_result
from service.campaigns.skeletons import SKELETONS
from service.db import get_engine, session_scope
from service.domain.campaign_states import CampaignAction
from service.errors import InvalidInput
from service.mail.compose import EditionSkeleton, OutgoingMessage, Recipient
from service.mail.smtp_pool import SendResult
from service.metrics import count_message
from service.models import (
    DeliveryStatus,
)
from service.models.campaign import CampaignStatus
from service.settings import Settings

log = logging.getLogger(__name__)


class Transport(Protocol):
    """Anything that delivers one message and says how it went."""

    def send(self, message: OutgoingMessage) -> SendResult: ...


@dataclass
class BatchResult:
    """What a send task did, for logging and retry scheduling."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retry_ids: list[int] = field(default_factory=list)
    stopped: bool = False
    paused_reason: str | None = None


class RangeSender:
    """Sends one range of deliveries over one database connection, checking the world often."""

    def __init__(
        self,
        conn: Connection,
        *,
        campaign_id: int,
        first_id: int,
        last_id: int,
        settings: Settings,
        transport: Transport,
    ) -> None:
        self.conn, self.campaign_id, self.settings, self.transport = (
            conn,
            campaign_id,
            settings,
            transport,
        )
        self.first_id, self.last_id = first_id, last_id
        self.result = BatchResult()
        self.campaign = campaign_row(conn, campaign_id)
        self.tracking_mode = self.campaign.tracking
        self.consecutive_errors = 0
        self.last_check = 0.0
        self.mark_sent = SentMarker(conn)
        self.skeletons: dict[str, EditionSkeleton] = {}
        with Session(bind=conn) as session:
            self.webhook_delivered = webhooks.subscribed(session, "delivered")
        self.delivered: list[dict[str, object]] = []

    def run(self) -> BatchResult:
        """Claim, send and mark chunk after chunk until the range is done or the campaign stops."""
        while self._still_sending():
            chunk = self._claim()
            if not chunk:
                break
            keep_going = self._send_chunk(chunk)
            self._emit_delivered()
            if not keep_going:
                break
        return self.result

    def _emit_delivered(self) -> None:
        """One webhook batch per chunk, only when some endpoint asked for `delivered`."""
        if self.delivered:
            with Session(bind=self.conn) as session:  # autocommit: the insert is durable
                webhooks.emit(session, event_type="delivered", events=self.delivered)
            self.delivered = []

    def _still_sending(self) -> bool:
        """Re-read the campaign: a pause or cancel takes effect within one check interval."""
        status, self.tracking_mode = campaign_state(self.conn, self.campaign_id)
        self.conn.commit()
        self.last_check = time.monotonic()
        self.result.stopped = status != CampaignStatus.SENDING
        return not self.result.stopped

    def _claim(self) -> list[Claimed]:
        """Claim the next chunk; subscribers who left or were suppressed meanwhile are skipped."""
        # The cursor moves past every claimed id: a row that failed temporarily goes back to
        # the queue for a later, delayed retry task, never straight back into this loop.
        ids = claim_chunk(
            self.conn,
            campaign_id=self.campaign_id,
            first_id=self.first_id,
            last_id=self.last_id,
            limit=self.settings.recheck_every,
        )
        if ids:
            self.first_id = ids[-1] + 1
            # Progress the recovery sweep can see, even while one long batch is still going.
            touch_heartbeat(self.conn, campaign_id=self.campaign_id)
        sendable, gone = (
            load_claimed(
                self.conn,
                ids=ids,
                tracking_mode=self.tracking_mode,
                list_slug=self.campaign.list_slug,
            )
            if ids
            else ([], [])
        )
        set_status(
            self.conn,
            gone,
            status=DeliveryStatus.SKIPPED,
            last_error="unsubscribed or suppressed before dispatch",
        )
        self.result.skipped += len(gone)
        self.conn.commit()
        return sendable

    def _send_chunk(self, chunk: list[Claimed]) -> bool:
        """Send a claimed chunk in id order; False when the campaign stopped or paused itself."""
        for index, claimed in enumerate(chunk):
            due = time.monotonic() - self.last_check > self.settings.recheck_interval_s
            if due and not self._still_sending():
                self._release(chunk[index:])
                return False
            self._send_one(claimed)
            if self.consecutive_errors >= self.settings.max_consecutive_errors:
                self._release(chunk[index + 1 :])
                self._pause_for_errors(claimed)
                return False
        return True

    def _send_one(self, claimed: Claimed) -> None:
        """Build, send and durably mark one message."""
        skeleton = self.skeletons.get(claimed.edition_key)
        if skeleton is None:
            skeleton = SKELETONS.get(
                campaign=self.campaign, key=claimed.edition_key, settings=self.settings
            )
            self.skeletons[claimed.edition_key] = skeleton
        try:
            message = skeleton.message_for(
                Recipient(
                    subscriber_id=claimed.subscriber_id,
                    email=claimed.email,
                    name=claimed.name,
                    tracking=claimed.tracking,
                    aggregate=claimed.aggregate,
                )
            )
        except InvalidInput as exc:
            # Not sendable as stored (e.g. a non-ASCII local part needing SMTPUTF8): this
            # delivery fails with the reason; it is not the recipient's bounce, nor a crash loop.
            set_status(
                self.conn, [claimed.delivery_id], status=DeliveryStatus.FAILED, last_error=str(exc)
            )
            self.result.failed += 1
            return
        result = self.transport.send(message)
        outcome = mark_result(
            self.conn,
            claimed=claimed,
            message=message,
            result=result,
            max_attempts=self.settings.send_max_attempts,
            mark_sent=self.mark_sent,
        )
        count_message(result.relay, outcome)
        if outcome != "sent":
            ids = {"campaign_id": self.campaign_id, "delivery_id": claimed.delivery_id}
            log.warning("delivery %s %s: %s", ids["delivery_id"], outcome, result.detail, extra=ids)
        self.consecutive_errors = 0 if outcome == "sent" else self.consecutive_errors + 1
        if outcome == "sent" and self.webhook_delivered:
            self.delivered.append(
                {"campaign_id": self.campaign_id, "subscriber_id": claimed.subscriber_id,
                 "delivery_id": claimed.delivery_id, "message_id": message.message_id}
            )  # fmt: skip
        _tally(self.result, outcome, claimed.delivery_id)

    def _release(self, unsent: list[Claimed]) -> None:
        """Give claims back to the queue; another task (or a resume) sends them."""
        set_status(self.conn, [c.delivery_id for c in unsent], status=DeliveryStatus.QUEUED)
        self.conn.commit()

    def _pause_for_errors(self, last: Claimed) -> None:
        """Too many errors in a row: stop the whole campaign and say why."""
        reason = (
            f"paused after {self.consecutive_errors} consecutive send errors; last to {last.email}"
        )
        _pause(self.campaign_id, reason)
        self.result.paused_reason, self.result.stopped = reason, True


def send_range(
    *, campaign_id: int, first_id: int, last_id: int, settings: Settings, transport: Transport
) -> BatchResult:
    """Send every queued delivery in [first_id, last_id] unless the campaign stops meanwhile."""
    # Autocommit: every statement is its own transaction, so a mark is one round trip. The
    # claim is a single UPDATE ... RETURNING, atomic without an explicit transaction.
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.dialect.name == "postgresql":
            # Marks survive a worker kill without an fsync per message; only a database crash
            # could lose the last few, which would resend those messages, never skip them.
            conn.execute(sa.text("SET synchronous_commit TO off"))
        return RangeSender(
            conn,
            campaign_id=campaign_id,
            first_id=first_id,
            last_id=last_id,
            settings=settings,
            transport=transport,
        ).run()


def _tally(result: BatchResult, outcome: str, delivery_id: int) -> None:
    if outcome == "sent":
        result.sent += 1
    elif outcome == "retry":
        result.retry_ids.append(delivery_id)
    else:
        result.failed += 1


def _pause(campaign_id: int, reason: str) -> None:
    from service.campaigns.lifecycle import apply_action
    from service.errors import InvalidTransition

    try:
        with session_scope() as session:
            apply_action(
                session, campaign_id=campaign_id, action=CampaignAction.PAUSE, reason=reason
            )
    except InvalidTransition:
        pass  # someone paused or cancelled it meanwhile; their decision stands

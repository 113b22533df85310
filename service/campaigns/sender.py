"""Send one range of deliveries: claim a small chunk, re-check the world, send, mark each.

Rows are claimed `recheck_every` at a time and built in id order; up to `smtp_connections`
messages are in flight at once (inflight.Window), and each outcome is marked in its own commit
as soon as its send returns. After a crash the claimed but unmarked rows go back to the queue,
so at most the messages in flight (one per connection of the process) are sent twice.
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
from service.campaigns.inflight import Done, Window
from service.campaigns.marks import SentMarker, mark_result, policy_refusals
from service.campaigns.skeletons import SKELETONS
from service.db import get_engine, session_scope
from service.domain.campaign_states import CampaignAction
from service.errors import InvalidInput
from service.mail.compose import EditionSkeleton, OutgoingMessage
from service.mail.personalise import Recipient
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
        self.window: Window[Claimed] = Window(transport.send, settings.smtp_connections)
        self.last_failed: Claimed | None = None
        self.policy_count = 0  # policy refusals of the campaign once they reach the threshold

    def run(self) -> BatchResult:
        """Claim, send and mark chunk after chunk until the range is done or the campaign stops."""
        try:
            while self._still_sending():
                chunk = self._claim()
                if not chunk:
                    break
                keep_going = self._send_chunk(chunk)
                self._emit_delivered()
                if not keep_going:
                    break
        finally:
            self._record_all(self.window.drain())  # whatever is in flight gets its mark
            self._emit_delivered()
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
                self._record_all(self.window.drain())
                self._release(chunk[index:])
                return False
            message = self._build(claimed)
            if message is not None:
                self._record_all(self.window.submit(claimed, message))
            if self.consecutive_errors >= self.settings.max_consecutive_errors or self.policy_count:
                reason = self._pause_reason(self.last_failed or claimed)
                self._record_all(self.window.drain())  # the sends in flight still get marked
                self._release(chunk[index + 1 :])
                _pause(self.campaign_id, reason)
                self.result.paused_reason, self.result.stopped = reason, True
                return False
        return True

    def _build(self, claimed: Claimed) -> OutgoingMessage | None:
        """Fill and sign one message; None (and the delivery failed) when it cannot be sent."""
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
            return None
        return message

    def _record_all(self, finished: list[Done[Claimed]]) -> None:
        for claimed, message, result in finished:
            self._record(claimed, message, result)

    def _record(self, claimed: Claimed, message: OutgoingMessage, result: SendResult) -> None:
        """Durably mark one outcome (its own commit) and count it."""
        outcome = mark_result(
            self.conn,
            campaign_id=self.campaign_id,
            claimed=claimed,
            message=message,
            result=result,
            max_attempts=self.settings.send_max_attempts,
            mark_sent=self.mark_sent,
        )
        count_message(result.relay, outcome)
        if outcome != "sent":
            self.last_failed = claimed
            ids = {"campaign_id": self.campaign_id, "delivery_id": claimed.delivery_id}
            log.warning("delivery %s %s: %s", ids["delivery_id"], outcome, result.detail, extra=ids)
        if outcome == "policy":
            count = policy_refusals(self.conn, campaign_id=self.campaign_id)
            if count >= self.settings.policy_pause_threshold:
                self.policy_count = count
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

    def _pause_reason(self, last: Claimed) -> str:
        """Why the campaign pauses itself: too many errors in a row, or policy refusals."""
        if self.policy_count:
            return (
                f"paused after {self.policy_count} policy rejections (5.7.x, at send or bounced):"
                f" check authentication, content and reputation; last to {last.email}"
            )
        limit = self.settings.max_consecutive_errors
        return (
            f"paused after {self.consecutive_errors} consecutive send errors (limit {limit});"
            f" last to {last.email}"
        )


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

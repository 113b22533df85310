"""Inbound tasks: process a stored message, then send what it produced after the commit."""

from __future__ import annotations

import logging
from email.message import EmailMessage

from sqlalchemy.exc import OperationalError

from service.addressing.mailbox_tokens import MailTokenDecoder
from service.db import session_scope
from service.errors import NotFound
from service.inbound.acting.processing import process_inbound, quarantine_after_error
from service.inbound.intake.store import stranded_ids
from service.mail.outbox import send_outgoing
from service.metrics import INBOUND
from service.settings import get_settings
from workers.celery_app import celery_app
from workers.tasks.base import NewsdeskTask

log = logging.getLogger(__name__)


@celery_app.task(
    name="newsdesk.process_inbound",
    base=NewsdeskTask,
    # own queue and pool (compose.yaml: worker-inbound); a message that still runs too long is
    # quarantined at the soft limit instead of holding a worker (issue 15, finding 3)
    soft_time_limit=get_settings().inbound_task_soft_limit_s,
    time_limit=get_settings().inbound_task_hard_limit_s,
)
def process_inbound_message(message_id: int) -> dict[str, str]:
    """Classify and apply one stored inbound message; hand-offs and answers go out after commit.

    A message whose processing fails is quarantined with the reason (its bytes stay stored),
    so one bad message never blocks the queue or comes back on every retry.
    """
    try:
        with session_scope() as session:
            outcome = process_inbound(session, message_id=message_id, decoder=MailTokenDecoder())
    except (NotFound, OperationalError):  # no such row / database unreachable: dead letter
        raise
    except Exception as exc:
        log.exception("inbound message %s quarantined after a processing error", message_id)
        with session_scope() as session:
            quarantine_after_error(session, message_id=message_id, error=exc)
        return {"kind": "unknown", "action": "quarantined"}
    send_outgoing(outcome.outgoing)
    INBOUND.labels(kind=outcome.kind).inc()
    mark_answers_sent(outcome.outgoing)
    return {"kind": outcome.kind, "action": outcome.action}


def mark_answers_sent(mails: list[EmailMessage]) -> None:
    """Answers recorded in an inquiry's thread are sent once the relay took them."""
    from service.inbox.answer_mail import mark_sent
    from service.models._common import utcnow

    ids = [str(m["Message-ID"]) for m in mails if m["Message-ID"]]
    if ids:
        with session_scope() as session:
            mark_sent(session, message_ids=ids, now=utcnow())


@celery_app.task(name="newsdesk.sweep_inbound", base=NewsdeskTask)
def sweep_inbound() -> dict[str, int]:
    """Beat: enqueue stored messages still unprocessed after a minute, so a lost enqueue
    strands nothing (processing skips a message already done, so a double enqueue is safe)."""
    ids = stranded_ids(older_than_s=get_settings().inbound_sweep_after_s)
    for message_id in ids:
        process_inbound_message.delay(message_id)
    return {"enqueued": len(ids)}


@celery_app.task(name="newsdesk.bounce_notices", base=NewsdeskTask)
def send_bounce_notices() -> dict[str, int]:
    """The daily F3 run: notices to bounce-disabled subscribers, removal when they ran out."""
    from service.inbound.acting.bounce_notices import due_bounce_notices

    with session_scope() as session:
        mails = due_bounce_notices(session)
    return {"notices": send_outgoing(mails)}

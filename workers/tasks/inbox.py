"""Inbox tasks: send answers queued in the newsroom; the response-target check on beat."""

from __future__ import annotations

from service.db import session_scope
from service.inbox.answer_mail import answer_message, mark_sent, queued
from service.inbox.clock import SystemClock
from service.inbox.escalation import check_targets
from service.mail.outbox import send_outgoing
from workers.celery_app import celery_app
from workers.tasks.base import NewsdeskTask


@celery_app.task(name="newsdesk.send_inquiry_answers", base=NewsdeskTask)
def send_inquiry_answers(entry_ids: list[int]) -> dict[str, int]:
    """Hand queued answers to the outbox (DKIM, relays, limits), then mark them sent.

    Ids of answers no longer queued (sent meanwhile, discarded) are skipped, so a repeated
    task sends nothing twice that was marked sent.
    """
    with session_scope() as session:
        mails = [answer_message(session, entry=e) for e in queued(session, entry_ids=entry_ids)]
    sent = send_outgoing(mails)
    with session_scope() as session:
        mark_sent(session, message_ids=[str(m["Message-ID"]) for m in mails],
                  now=SystemClock().now())  # fmt: skip
    return {"sent": sent}


@celery_app.task(name="newsdesk.inbox_clock", base=NewsdeskTask)
def inbox_clock() -> dict[str, int]:
    """Warnings, escalations to deputies and moves to triage, each once (stamped, then sent)."""
    with session_scope() as session:
        mails = check_targets(session, now=SystemClock().now())
    return {"notices": send_outgoing(mails)}


@celery_app.task(name="newsdesk.notify_inquiry_holders", base=NewsdeskTask)
def notify_inquiry_holders(inquiry_id: int) -> dict[str, int]:
    """Hand-offs after a reassignment or a triage assignment made in the newsroom."""
    from service.inbox.placement import handoffs_for

    with session_scope() as session:
        mails = handoffs_for(session, inquiry_id=inquiry_id, now=SystemClock().now())
    return {"sent": send_outgoing(mails)}

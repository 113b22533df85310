"""Inbound tasks: process a stored message, then send what it produced after the commit."""

from __future__ import annotations

from service.db import session_scope
from service.inbound.outbox import send_outgoing
from service.inbound.processing import process_inbound
from service.inbound.token_decoder import MailTokenDecoder
from workers.celery_app import celery_app
from workers.tasks.base import NewsdeskTask


@celery_app.task(name="newsdesk.process_inbound", base=NewsdeskTask)
def process_inbound_message(message_id: int) -> dict[str, str]:
    """Classify and apply one stored inbound message; hand-offs and answers go out after commit."""
    with session_scope() as session:
        outcome = process_inbound(session, message_id=message_id, decoder=MailTokenDecoder())
    send_outgoing(outcome.outgoing)
    return {"kind": outcome.kind, "action": outcome.action}

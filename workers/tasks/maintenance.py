"""Daily upkeep on beat: double opt-in purge, data retention, inquiry reminders, old logins."""

from __future__ import annotations

from service.accounts.sessions import purge_expired
from service.audience.retention import apply_retention
from service.audience.subscribe import purge_unconfirmed
from service.db import session_scope
from service.inbound.acting.reminders import due_reminders
from service.mail.outbox import send_outgoing
from workers.celery_app import celery_app
from workers.tasks.base import NewsdeskTask


@celery_app.task(name="newsdesk.daily_upkeep", base=NewsdeskTask)
def daily_upkeep() -> dict[str, int]:
    """Purge stale unconfirmed signups, apply retention, remind coordinators of open inquiries."""
    with session_scope() as session:
        purged = purge_unconfirmed(session)
    with session_scope() as session:
        retention = apply_retention(session)
    with session_scope() as session:
        reminders = due_reminders(session)
    sent = send_outgoing(reminders)  # after the commit that stamped reminded_at
    with session_scope() as session:
        sessions = purge_expired(session)  # newsroom logins past their absolute expiry
    return {"purged": purged, "reminders": sent, "web_sessions": sessions, **retention}

"""Daily upkeep on beat: double opt-in purge, data retention (tracking, inbound raw mail),
inquiry reminders, old logins."""

from __future__ import annotations

from service.accounts.sessions import purge_expired
from service.audience.retention import apply_retention
from service.audience.subscribe import purge_unconfirmed
from service.db import session_scope
from service.inbound.acting.reminders import due_reminders
from service.inbound.intake.store import expire_raw
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
        retention["inbound_raw_expired"] = expire_raw(session)  # replies' and reports' bytes
    with session_scope() as session:
        reminders = due_reminders(session)
    sent = send_outgoing(reminders)  # after the commit that stamped reminded_at
    with session_scope() as session:
        sessions = purge_expired(session)  # newsroom logins past their absolute expiry
    return {"purged": purged, "reminders": sent, "web_sessions": sessions, **retention}


@celery_app.task(name="newsdesk.sunset", base=NewsdeskTask)
def sunset(now: str | None = None) -> dict[str, int]:
    """The daily F6 run (`now`, ISO 8601, only for tests and catch-up runs)."""
    from datetime import datetime

    from service.automation.sunset_run import run_sunset

    run = run_sunset(now=datetime.fromisoformat(now) if now else None)
    return {k: len(v) for k, v in vars(run).items()}

"""Orchestration the automation task calls: each step in its own transaction."""

from __future__ import annotations

from datetime import datetime

from service.automation import digests, triggers, welcome
from service.db import session_scope
from service.models import DigestRun
from service.settings import Settings


def tick(*, now: datetime, settings: Settings) -> list[welcome.StepWork]:
    """Triggers, departures, due digests, due welcome steps; returns the sends to enqueue."""
    with session_scope() as session:
        triggers.handle_pending(session, now=now)
        welcome.stop_departed(session, now=now)
    run_due_digests(now=now)
    with session_scope() as session:
        return welcome.queue_due_steps(session, now=now, settings=settings)


def run_due_digests(*, now: datetime) -> list[DigestRun]:
    """Plan every due digest period, one transaction each."""
    with session_scope() as session:
        due = digests.due_digests(session, now=now)
    runs = []
    for item in due:
        with session_scope() as session:
            run = digests.run_period(session, due=item, now=now)
            session.expunge(run)
            runs.append(run)
    return runs

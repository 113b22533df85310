"""The daily sunset run: decide open requests, ask the newly unengaged, send through the outbox."""

from __future__ import annotations

import logging
from datetime import datetime

from service.automation.sunset import (
    SunsetRun,
    build_repermission,
    candidates,
    due_decisions,
    mark_asked,
)
from service.db import session_scope
from service.mail.outbox import OutboxError, send_outgoing
from service.models._common import utcnow
from service.settings import get_settings

log = logging.getLogger(__name__)


def send_repermission(msg: object) -> None:
    """The one place re-permission mail leaves: the outbox (DKIM-signed, relays, limits)."""
    send_outgoing([msg])  # type: ignore[list-item]


def run_sunset(*, now: datetime | None = None, dry_run: bool = False) -> SunsetRun:
    """One daily run; dry, it only says who would be asked and who would be sunset."""
    now = now or utcnow()
    run = SunsetRun()
    if not get_settings().sunset_enabled and not dry_run:
        return run
    with session_scope() as session:
        run.kept, run.sunset = due_decisions(session, now=now, dry_run=dry_run)
    with session_scope() as session:
        found = candidates(session, now=now)
    if dry_run:
        run.asked = found
        return run
    for candidate in found:
        msg = build_repermission(candidate, now=now)
        with session_scope() as session:  # committed first: a crash then never asks twice
            mark_asked(session, candidate, msg, now)
        try:
            send_repermission(msg)
        except OutboxError as exc:
            run.failed.append(candidate.subscriber_id)
            _forget(candidate.subscriber_id)  # asked again tomorrow, never sunset unasked
            log.warning("sunset mail to subscriber %s failed: %s", candidate.subscriber_id, exc)
            continue
        run.asked.append(candidate)
    return run


def _forget(subscriber_id: int) -> None:
    from service.models import SunsetRequest

    with session_scope() as session:
        request = session.get(SunsetRequest, subscriber_id)
        if request is not None:
            session.delete(request)

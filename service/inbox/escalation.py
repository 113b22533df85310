"""The response-target check beat runs: warn, escalate to the deputy, move to triage; once each.

Each step stamps the inquiry (`warned_at`, `escalated_at`, `triaged_at`) in the same
transaction that builds its mail, so a second run, a retry or a second beat finds the stamp
and does nothing: the mails go out at most once (the caller sends after the commit).
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.domain.inquiry_states import CLOCK_RUNS, RoutingReason
from service.inbox import sla, thread
from service.inbox.absence import answering_for
from service.inbox.notices import notice
from service.inbox.placement import assign, triage_owners
from service.models import Coordinator, Inquiry
from service.settings import get_settings


def check_targets(session: Session, *, now: datetime) -> list[EmailMessage]:
    """Run every due step for every inquiry whose clock runs; adds and flushes."""
    candidates = session.exec(
        select(Inquiry)
        .where(
            col(Inquiry.state).in_(list(CLOCK_RUNS)),
            col(Inquiry.due_at).is_not(None),
            col(Inquiry.triaged_at).is_(None),
        )
        .order_by(col(Inquiry.due_at))
        .with_for_update(skip_locked=True)
    ).all()
    mails: list[EmailMessage] = []
    for inquiry in candidates:
        mails += _step(session, inquiry, now)
    session.flush()
    return mails


def _step(session: Session, inquiry: Inquiry, now: datetime) -> list[EmailMessage]:
    """The one step this inquiry is due for, if any."""
    s = get_settings()
    left = sla.time_left(inquiry, sla.calendar_of(session, inquiry), now)
    if left is None:
        return []
    if left <= -s.inquiry_triage_after_hours * 3600 and inquiry.escalated_at is not None:
        return _to_triage(session, inquiry, now)
    if left <= 0 and inquiry.escalated_at is None:
        return _escalate(session, inquiry, now)
    if left <= s.inquiry_warn_before_hours * 3600 and inquiry.warned_at is None and left > 0:
        return _warn(session, inquiry, now, left)
    return []


def _people(session: Session, inquiry: Inquiry, now: datetime) -> list[Coordinator]:
    """Who holds the inquiry now: its coordinator (or who answers for them), else triage."""
    if inquiry.coordinator_id is None:
        return triage_owners(session, now=now)
    found = session.get(
        Coordinator, answering_for(session, coordinator_id=inquiry.coordinator_id, now=now)
    )
    return [found] if found else []


def _warn(session: Session, inquiry: Inquiry, now: datetime, left: float) -> list[EmailMessage]:
    """Before the target is missed: a warning to whoever holds it."""
    inquiry.warned_at = now
    session.add(inquiry)
    hours = left / 3600
    thread.event(session, inquiry_id=inquiry.id or 0, now=now,
                 text=f"Warning: {hours:.1f} business hours left")  # fmt: skip
    body = f"This inquiry is due in {hours:.1f} business hours:\n\n{inquiry.text[:2000]}"
    return [notice(inquiry=inquiry, to=c, subject="Due soon", body=body)
            for c in _people(session, inquiry, now)]  # fmt: skip


def _escalate(session: Session, inquiry: Inquiry, now: datetime) -> list[EmailMessage]:
    """Target missed: the deputy takes it over; without a deputy it goes to triage now."""
    inquiry.escalated_at = now
    holder = session.get(Coordinator, inquiry.coordinator_id) if inquiry.coordinator_id else None
    if holder is None or holder.deputy_id is None or holder.deputy_id == holder.id:
        return _to_triage(session, inquiry, now)
    inquiry.escalated_to_id = holder.deputy_id
    return assign(session, inquiry=inquiry, coordinator_id=holder.deputy_id,
                  reason=RoutingReason.ASSIGNED, now=now, by="response target",
                  note=f"target missed by {holder.name}; escalated to the deputy")  # fmt: skip


def _to_triage(session: Session, inquiry: Inquiry, now: datetime) -> list[EmailMessage]:
    """Still unanswered after the deputy's grace: the triage owners take it."""
    inquiry.triaged_at = now
    inquiry.escalated_at = inquiry.escalated_at or now
    return assign(session, inquiry=inquiry, coordinator_id=None, reason=RoutingReason.TRIAGE,
                  now=now, by="response target", note="target missed; moved to triage")  # fmt: skip


def overdue_count(session: Session, *, now: datetime) -> int:
    """Inquiries whose clock runs past their due time (for dashboards)."""
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(Inquiry)
            .where(col(Inquiry.state).in_(list(CLOCK_RUNS)), col(Inquiry.due_at) < now)
        ).scalar_one()
    )

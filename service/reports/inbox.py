"""Inbox figures per coordinator and overall: received, time to first answer, within target.

Times are business hours of the assignee's office calendar, as the response clock counts them
(waiting for the subscriber excluded), taken from `first_answer_s` stamped at the first answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from service.domain.inquiry_states import OPEN_STATES
from service.models import Coordinator, Inquiry

TRIAGE = "triage"


@dataclass(frozen=True)
class InboxFigures:
    """One row of the figures table."""

    who: str
    received: int
    answered: int
    median_h: float | None
    p90_h: float | None
    within_target: float | None  # share of answered inquiries answered within their target
    open_now: int
    escalated: int


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1) of a list; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 1))  # ceil(n*q), at least 1
    return ordered[int(rank) - 1]


def _row(who: str, rows: list[Inquiry]) -> InboxFigures:
    """Figures of one group of inquiries."""
    answered = [r for r in rows if r.first_answer_s is not None]
    hours = [float(r.first_answer_s or 0) / 3600 for r in answered]
    within = [r for r in answered if r.target_s and (r.first_answer_s or 0) <= r.target_s]
    return InboxFigures(
        who=who,
        received=len(rows),
        answered=len(answered),
        median_h=percentile(hours, 0.5),
        p90_h=percentile(hours, 0.9),
        within_target=len(within) / len(answered) if answered else None,
        open_now=sum(r.state in OPEN_STATES for r in rows),
        escalated=sum(r.escalated_at is not None for r in rows),
    )


def inbox_figures(
    session: Session, *, since: datetime | None = None, campaign_id: int | None = None
) -> list[InboxFigures]:
    """One row per coordinator (and triage), then the overall row."""
    query = select(Inquiry)
    if since is not None:
        query = query.where(col(Inquiry.created_at) >= since)
    if campaign_id is not None:
        query = query.where(Inquiry.campaign_id == campaign_id)
    rows = list(session.exec(query))
    names = {c.id: c.name for c in session.exec(select(Coordinator))}
    groups: dict[str, list[Inquiry]] = {}
    for r in rows:
        groups.setdefault(names.get(r.coordinator_id, TRIAGE), []).append(r)
    out = [_row(who, group) for who, group in sorted(groups.items())]
    return [*out, _row("overall", rows)]

"""Digests: when a schedule is due, one campaign per period with what is new to each reader.

A digest is an ordinary campaign (editions, delivery rows, claim/send/mark) whose picks are
computed: every approved announcement valid at the run, at most MAX_ANNOUNCEMENTS, newest
first. The campaign's cadence makes fan-out reach only subscribers who chose this digest and
clear from each one's edition mask what their earlier deliveries carried (campaigns/history).
`digest_run` is unique per (schedule, period), so a period yields one campaign however often
beat asks, and the delivery rows make a crashed send resume without a duplicate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from service.automation.periods import (
    as_aware,
    latest_occurrence,
    period_key,
    subject_for,
)
from service.campaigns.assembly import MAX_ANNOUNCEMENTS, build_plan
from service.campaigns.authoring import save_campaign, schedule
from service.errors import NewsdeskError
from service.models import (
    Announcement,
    ApprovalState,
    Campaign,
    DigestRun,
    DigestRunStatus,
    DigestSchedule,
    Subscriber,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """A schedule whose current period has no run yet."""

    schedule_id: int
    key: str
    occurrence: datetime


def due_digests(session: Session, *, now: datetime) -> list[Due]:
    """Active schedules whose latest occurrence (since they exist) has not been run."""
    found = []
    for schedule_row in session.exec(select(DigestSchedule).where(col(DigestSchedule.active))):
        occurrence = latest_occurrence(schedule_row, now=now)
        if occurrence < as_aware(schedule_row.created_at):
            continue  # a new schedule starts with its next period, not a backlog
        key = period_key(schedule_row, occurrence)
        assert schedule_row.id is not None
        if not _run_of(session, schedule_id=schedule_row.id, key=key):
            found.append(Due(schedule_row.id, key, occurrence))
    return found


def _run_of(session: Session, *, schedule_id: int, key: str) -> DigestRun | None:
    return session.exec(
        select(DigestRun).where(DigestRun.schedule_id == schedule_id, DigestRun.period_key == key)
    ).first()


def digest_candidates(session: Session, *, at: datetime) -> list[int]:
    """Approved announcements valid at `at`: the newest MAX_ANNOUNCEMENTS, by id."""
    rows = session.exec(
        select(Announcement.id)
        .where(
            Announcement.approval == ApprovalState.APPROVED,
            sa.or_(col(Announcement.valid_from).is_(None), col(Announcement.valid_from) <= at),
            sa.or_(col(Announcement.valid_until).is_(None), col(Announcement.valid_until) >= at),
        )
        .order_by(col(Announcement.id).desc())
        .limit(MAX_ANNOUNCEMENTS)
    )
    return sorted(i for i in rows if i is not None)


def run_period(session: Session, *, due: Due, now: datetime) -> DigestRun:
    """Plan one period: the digest campaign (scheduled, or a draft awaiting approval) or a skip."""
    schedule_row = session.get(DigestSchedule, due.schedule_id, with_for_update=True)
    assert schedule_row is not None
    existing = _run_of(session, schedule_id=due.schedule_id, key=due.key)
    if existing is not None:  # another beat tick got here first
        return existing
    picks = digest_candidates(session, at=now)
    run = DigestRun(
        schedule_id=due.schedule_id,
        period_key=due.key,
        due_at=due.occurrence,
        status=DigestRunStatus.SKIPPED,
        announcements=len(picks),
    )
    if not picks:
        return _skip(session, run, note="no approved announcement is valid")
    campaign = _create_campaign(session, schedule_row=schedule_row, due=due, picks=picks)
    assert campaign.id is not None
    run.recipients = audience_size(session, campaign=campaign, at=now)
    if run.recipients == 0:
        session.delete(campaign)
        return _skip(session, run, note="nobody on this cadence has anything new")
    run.status, run.campaign_id = DigestRunStatus.CREATED, campaign.id
    if schedule_row.needs_approval:
        run.note = "waiting for approval: schedule the campaign in the newsroom"
    else:
        try:
            schedule(session, campaign_id=campaign.id, send_at=None)
        except NewsdeskError as exc:  # e.g. the complaint gate: the team sees the draft and why
            run.note = f"left as a draft: {exc}"
    session.add(run)
    session.flush()
    log.info(
        "digest %s %s: campaign %s for %d", schedule_row.name, due.key, campaign.id, run.recipients
    )
    return run


def _skip(session: Session, run: DigestRun, *, note: str) -> DigestRun:
    run.note = note
    session.add(run)
    session.flush()
    log.info("digest schedule %s period %s skipped: %s", run.schedule_id, run.period_key, note)
    return run


def _create_campaign(
    session: Session, *, schedule_row: DigestSchedule, due: Due, picks: list[int]
) -> Campaign:
    fields = {
        "name": f"{schedule_row.name} {due.key}",
        "subject_en": subject_for(schedule_row.subject_en, occurrence=due.occurrence, key=due.key),
        "subject_de": subject_for(schedule_row.subject_de, occurrence=due.occurrence, key=due.key),
        "list_slug": schedule_row.list_slug,
        "list_name": schedule_row.list_name,
        "timezone": schedule_row.timezone,
        "cadence": str(schedule_row.cadence),
    }
    return save_campaign(
        session,
        fields=fields,
        include=list(schedule_row.segment_slugs),
        exclude=[],
        announcement_ids=picks,
    )


def audience_size(session: Session, *, campaign: Campaign, at: datetime) -> int:
    """How many subscribers would get the digest now (the fan-out's own condition)."""
    plan = build_plan(session, campaign=campaign, at=at, freeze=False)
    stmt = sa.select(sa.func.count()).select_from(Subscriber).where(plan.audience)
    return int(session.execute(stmt).scalar() or 0)


def recent_runs(session: Session, *, schedule_id: int, limit: int = 10) -> list[DigestRun]:
    """The schedule's last runs, newest first."""
    return list(
        session.exec(
            select(DigestRun)
            .where(DigestRun.schedule_id == schedule_id)
            .order_by(col(DigestRun.id).desc())
            .limit(limit)
        )
    )

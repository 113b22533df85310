"""What the newsroom's automation pages show: schedules with runs, series timelines, feeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from service.automation.admin import all_series, schedules
from service.automation.digests import recent_runs
from service.automation.periods import next_occurrence
from service.automation.welcome import steps_of, timeline
from service.models import DigestRun, DigestSchedule, Feed, WelcomeSeries, WelcomeStep


@dataclass(frozen=True)
class DigestRow:
    """A schedule, when it runs next, and its last runs."""

    schedule: DigestSchedule
    next_run: datetime
    runs: list[DigestRun]


@dataclass(frozen=True)
class SeriesRow:
    """A series with each step's send time for someone confirming at `start`."""

    series: WelcomeSeries
    timeline: list[tuple[WelcomeStep, datetime]]


def digest_rows(session: Session, *, now: datetime) -> list[DigestRow]:
    """Every schedule with its next run and last ten runs."""
    rows = []
    for schedule_row in schedules(session):
        assert schedule_row.id is not None
        rows.append(
            DigestRow(
                schedule_row,
                next_occurrence(schedule_row, now=now),
                recent_runs(session, schedule_id=schedule_row.id),
            )
        )
    return rows


def series_rows(session: Session, *, start: datetime) -> list[SeriesRow]:
    """Every series with its timeline preview."""
    found = []
    for series in all_series(session):
        assert series.id is not None
        found.append(
            SeriesRow(series, timeline(steps_of(session, series_id=series.id), start=start))
        )
    return found


def feeds(session: Session) -> list[Feed]:
    """Every registered feed, newest first."""
    return list(session.exec(select(Feed).order_by(col(Feed.id).desc())))

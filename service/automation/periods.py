"""Digest periods: when a schedule is due and which period (ISO week or month) that is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from service.accounts.errors import N_
from service.errors import ExplainedInvalid
from service.models import Cadence, DigestSchedule


def zone_of(name: str) -> ZoneInfo:
    """A time zone by IANA name, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ExplainedInvalid(
            f"unknown time zone {name!r}", msgid=N_("Unknown time zone %(zone)s."), zone=name
        ) from exc


def latest_occurrence(schedule: DigestSchedule, *, now: datetime) -> datetime:
    """The schedule's most recent run time at or before `now` (aware, in its time zone)."""
    local = now.astimezone(zone_of(schedule.timezone))
    if schedule.cadence == Cadence.MONTHLY:
        at = local.replace(day=schedule.day_of_month, hour=schedule.hour, minute=0, second=0)
        at = at.replace(microsecond=0)
        if at > local:
            previous = (at.replace(day=1) - timedelta(days=1)).replace(day=schedule.day_of_month)
            at = previous
        return at.replace(tzinfo=local.tzinfo)
    monday = (local - timedelta(days=local.weekday())).date()
    day = monday + timedelta(days=schedule.weekday)
    at = datetime(day.year, day.month, day.day, schedule.hour, tzinfo=local.tzinfo)
    return at if at <= local else at - timedelta(days=7)


def period_key(schedule: DigestSchedule, occurrence: datetime) -> str:
    """'2026-W41' for a weekly run, '2026-10' for a monthly one."""
    if schedule.cadence == Cadence.MONTHLY:
        return f"{occurrence.year:04d}-{occurrence.month:02d}"
    year, week, _ = occurrence.isocalendar()
    return f"{year:04d}-W{week:02d}"


def next_occurrence(schedule: DigestSchedule, *, now: datetime) -> datetime:
    """The first run time after `now` (shown in the newsroom)."""
    probe = now
    for _ in range(40):  # at most a month and a bit in daily steps
        probe = probe + timedelta(days=1)
        candidate = latest_occurrence(schedule, now=probe)
        if candidate > now:
            return candidate
    raise AssertionError("no occurrence within 40 days")  # pragma: no cover


def subject_for(pattern: str, *, occurrence: datetime, key: str) -> str:
    """Fill {date} and {period} (plain replacement: a stray brace is not an error)."""
    return pattern.replace("{date}", occurrence.date().isoformat()).replace("{period}", key)


def check_schedule(schedule: DigestSchedule) -> None:
    """Field ranges, so a broken schedule is refused when saved, not at 3 a.m."""
    zone_of(schedule.timezone)
    if schedule.cadence not in (Cadence.WEEKLY, Cadence.MONTHLY):
        raise ExplainedInvalid(
            "cadence: expected weekly or monthly", msgid=N_("Cadence: weekly or monthly.")
        )
    if not 0 <= schedule.weekday <= 6:
        raise ExplainedInvalid(
            "weekday: 0 (Monday) to 6 (Sunday)", msgid=N_("Choose a weekday from Monday to Sunday.")
        )
    if not 1 <= schedule.day_of_month <= 28:
        raise ExplainedInvalid(
            "day of month: 1 to 28 (every month has it)",
            msgid=N_("Day of the month: 1 to 28 (every month has it)."),
        )
    if not 0 <= schedule.hour <= 23:
        raise ExplainedInvalid("hour: 0 to 23", msgid=N_("Hour: 0 to 23."))
    if not schedule.segment_slugs:
        raise ExplainedInvalid(
            "a digest needs at least one target segment",
            msgid=N_("A digest needs at least one target segment."),
        )
    if not schedule.subject_en.strip() or not schedule.subject_de.strip():
        raise ExplainedInvalid(
            "a digest needs a subject pattern in English and German",
            msgid=N_("A digest needs a subject pattern in English and German."),
        )


def as_aware(value: datetime) -> datetime:
    """SQLite returns naive UTC datetimes."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)

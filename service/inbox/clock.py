"""Business hours: office calendars (time zone, working hours, public holidays) and a clock.

The response clock counts only time inside an office's working hours on working days that are
not public holidays there (Munich: Bavarian holidays; Chicago: US federal holidays). The
`Clock` is injected everywhere the inbox needs "now", so tests can move time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import holidays

from service.errors import InvalidInput
from service.models._common import as_utc, utcnow
from service.settings import get_settings

MAX_DAYS = 3660  # no target spans ten years; a bound keeps a bad setting from looping


class Clock(Protocol):
    """Where the inbox gets the current time."""

    def now(self) -> datetime:
        """Timezone-aware now."""


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> datetime:
        """UTC now."""
        return utcnow()


@dataclass
class FixedClock:
    """A clock tests set and advance."""

    current: datetime

    def now(self) -> datetime:
        """The set time."""
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta's keyword arguments."""
        self.current += timedelta(**delta)
        return self.current


@dataclass(frozen=True)
class OfficeCalendar:
    """Working hours in a time zone, Monday to Friday, minus public holidays."""

    name: str
    tz: ZoneInfo
    start: time
    end: time
    public_holidays: Any = field(compare=False, repr=False)

    def is_working_day(self, day: date) -> bool:
        """Monday-Friday and not a public holiday."""
        return day.weekday() < 5 and day not in self.public_holidays

    def windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working-hour windows (aware, office time) from the day of `since` on."""
        day = since.astimezone(self.tz).date()
        for offset in range(MAX_DAYS):
            current = day + timedelta(days=offset)
            if self.is_working_day(current):
                yield (
                    datetime.combine(current, self.start, self.tz),
                    datetime.combine(current, self.end, self.tz),
                )

    @property
    def day_seconds(self) -> float:
        """Length of one working day."""
        return (
            datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)
        ).seconds


def business_seconds(calendar: OfficeCalendar, start: datetime, end: datetime) -> float:
    """Working seconds between two instants (0 when end is not after start)."""
    start, end = _aware(start), _aware(end)
    total = 0.0
    for opens, closes in calendar.windows(start):
        if opens >= end:
            break
        lo, hi = max(opens, start), min(closes, end)
        if hi > lo:
            total += (hi - lo).total_seconds()
    return total


def add_business_seconds(calendar: OfficeCalendar, start: datetime, seconds: float) -> datetime:
    """The instant `seconds` working seconds after `start`."""
    start, remaining = _aware(start), max(seconds, 0.0)
    for opens, closes in calendar.windows(start):
        lo = max(opens, start)
        if closes <= lo:
            continue
        room = (closes - lo).total_seconds()
        if remaining <= room:  # in UTC: SQLite keeps the wall time and drops the offset
            return (lo + timedelta(seconds=remaining)).astimezone(UTC)
        remaining -= room
    raise InvalidInput(f"calendar {calendar.name!r} has no working hours within {MAX_DAYS} days")


def _aware(value: datetime) -> datetime:
    """Naive datetimes from SQLite are UTC."""
    aware = as_utc(value)
    assert aware is not None
    return aware


def calendar_for(name: str | None) -> OfficeCalendar:
    """The office calendar by name from settings (the first configured one when unnamed)."""
    calendars = get_settings().office_calendars
    key = name if name in calendars else next(iter(calendars))
    spec = calendars[key]
    return _build(key, spec["timezone"], spec["country"], spec.get("subdiv", ""), spec["hours"])


@lru_cache(maxsize=32)
def _build(name: str, tz: str, country: str, subdiv: str, hours: str) -> OfficeCalendar:
    """Parse one calendar spec; cached because holiday tables are built per year on demand."""
    try:
        opens, closes = (time.fromisoformat(p.strip()) for p in hours.split("-"))
        public = holidays.country_holidays(country, subdiv=subdiv or None)
        zone = ZoneInfo(tz)
    except (ValueError, KeyError, NotImplementedError) as exc:
        raise InvalidInput(f"office calendar {name!r} is misconfigured: {exc}") from exc
    if closes <= opens:
        raise InvalidInput(f"office calendar {name!r}: hours must be like 09:00-17:00")
    return OfficeCalendar(name, zone, opens, closes, public)


def calendar_names() -> list[str]:
    """The configured office calendars (for forms)."""
    return list(get_settings().office_calendars)

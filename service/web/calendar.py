"""Calendar layout for the dashboard: weeks of a month and days of a week (Monday first)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Span:
    """The days shown and the instants they cover in the configured time zone."""

    view: str  # "month" | "week"
    anchor: date
    days: list[date]
    start: datetime
    end: datetime
    previous: date
    following: date

    def weeks(self) -> list[list[date]]:
        """The days in rows of seven."""
        return [self.days[i : i + 7] for i in range(0, len(self.days), 7)]


def span(view: str, anchor: date, tz: str) -> Span:
    """The month (whole weeks around it) or the week that contains `anchor`."""
    zone = ZoneInfo(tz)
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        days = [first + timedelta(days=n) for n in range(7)]
        previous, following = anchor - timedelta(days=7), anchor + timedelta(days=7)
    else:
        view = "month"
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(anchor.year, anchor.month)
        days = [d for week in weeks for d in week]
        month_start = anchor.replace(day=1)
        previous = (month_start - timedelta(days=1)).replace(day=1)
        following = (month_start + timedelta(days=32)).replace(day=1)
    start = datetime.combine(days[0], time.min, tzinfo=zone)
    end = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=zone)
    return Span(view, anchor, days, start, end, previous, following)


def parse_day(raw: str | None, today: date) -> date:
    """A YYYY-MM-DD query value, or today when missing or malformed."""
    try:
        return date.fromisoformat(raw) if raw else today
    except ValueError:
        return today

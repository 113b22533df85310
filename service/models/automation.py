"""Automation: digest schedules and runs, welcome series, partner feeds, and trigger events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class Cadence(StrEnum):
    """How often a subscriber hears from a list; a campaign reaches one cadence."""

    ISSUE = "issue"  # every campaign as it is sent
    WEEKLY = "weekly"  # the list's weekly digest instead
    MONTHLY = "monthly"  # the list's monthly digest instead
    SERIES = "series"  # campaigns of a welcome series step: rows come from enrolments


SUBSCRIBER_CADENCES = (Cadence.ISSUE, Cadence.WEEKLY, Cadence.MONTHLY)


class DigestSchedule(SQLModel, table=True):
    """A recurring digest of a list: weekly on a weekday and hour, or monthly on a day."""

    __tablename__ = "digest_schedule"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    list_slug: str = Field(default="newsletter", max_length=64)
    list_name: str = Field(default="Partnership Newsletter", max_length=200)
    cadence: Cadence = Field(default=Cadence.WEEKLY, sa_type=sa.String(16))
    weekday: int = 0  # Monday = 0 (weekly)
    day_of_month: int = 1  # 1-28 (monthly)
    hour: int = 8
    timezone: str = Field(default="Europe/Berlin", max_length=64)
    # Patterns: {date} is the run's local date, {period} the ISO week or month.
    subject_en: str = Field(default="Partnership digest, {date}", max_length=300)
    subject_de: str = Field(default="Partnerschafts-Digest, {date}", max_length=300)
    segment_slugs: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    needs_approval: bool = False
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class DigestRunStatus(StrEnum):
    """What a due period produced."""

    CREATED = "created"  # a campaign, scheduled (or waiting for approval)
    SKIPPED = "skipped"  # nobody had anything new: no campaign


class DigestRun(SQLModel, table=True):
    """One period of one schedule: the unique key makes a run idempotent per period."""

    __tablename__ = "digest_run"
    __table_args__ = (sa.UniqueConstraint("schedule_id", "period_key"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: int = Field(foreign_key="digest_schedule.id", index=True, ondelete="CASCADE")
    period_key: str = Field(max_length=16)
    due_at: datetime = Field(sa_column=ts_column(nullable=False))
    status: DigestRunStatus = Field(sa_type=sa.String(16))
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", ondelete="SET NULL")
    announcements: int = 0
    recipients: int = 0
    note: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class HistoryMask(SQLModel, table=True):
    """For an only-new campaign: which of its plan bits an earlier edition already carried."""

    __tablename__ = "campaign_history_mask"

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    source_campaign_id: int = Field(primary_key=True)
    edition_key: str = Field(max_length=80, primary_key=True)
    mask: int = Field(sa_type=sa.BigInteger)
    sent_only: bool = False  # the source campaign was cancelled: its queued rows never go


class WelcomeSeries(SQLModel, table=True):
    """A sequence of mails after double opt-in, per list and language."""

    __tablename__ = "welcome_series"
    __table_args__ = (sa.UniqueConstraint("list_slug", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    list_slug: str = Field(default="newsletter", max_length=64)
    list_name: str = Field(default="Partnership Newsletter", max_length=200)
    language: str = Field(default="en", max_length=2)
    active: bool = True
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class WelcomeStep(SQLModel, table=True):
    """One mail of a series: sent `delay_minutes` after confirmation, as its own campaign."""

    __tablename__ = "welcome_step"
    __table_args__ = (sa.UniqueConstraint("series_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="welcome_series.id", index=True, ondelete="CASCADE")
    position: int
    delay_minutes: int = 0
    subject: str = Field(max_length=300)
    body: str = ""  # a comms-team template (sandboxed Jinja2, then Markdown)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", ondelete="SET NULL")


class WelcomeEnrolment(SQLModel, table=True):
    """A subscriber in a series since `started_at`; stopped when they leave or are suppressed."""

    __tablename__ = "welcome_enrolment"
    __table_args__ = (sa.UniqueConstraint("series_id", "subscriber_id"),)

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="welcome_series.id", ondelete="CASCADE")
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True, ondelete="CASCADE")
    started_at: datetime = Field(sa_column=ts_column(nullable=False))
    stopped_at: datetime | None = Field(default=None, sa_column=ts_column())
    stop_reason: str | None = Field(default=None, max_length=64)


class EventKind(StrEnum):
    """What can trigger an automation."""

    CONFIRMED = "confirmed"
    PREFERENCES_CHANGED = "preferences_changed"
    INQUIRY_ANSWERED = "inquiry_answered"


class AutomationEvent(SQLModel, table=True):
    """A trigger, written in the transaction of what happened; handled once by a worker."""

    __tablename__ = "automation_event"
    __table_args__ = (sa.Index("ix_automation_event_open", "handled_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: EventKind = Field(sa_type=sa.String(32))
    subscriber_id: int | None = Field(default=None, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    handled_at: datetime | None = Field(default=None, sa_column=ts_column())


class Feed(SQLModel, table=True):
    """A partner's RSS or Atom feed; new items become draft announcements."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    url: str = Field(max_length=2000, unique=True)
    language: str | None = Field(default=None, max_length=2)  # None: detect per item
    topic: str = Field(default="general", max_length=64)
    active: bool = True
    etag: str | None = Field(default=None, max_length=300)
    last_modified: str | None = Field(default=None, max_length=100)
    last_fetched_at: datetime | None = Field(default=None, sa_column=ts_column())
    last_status: str | None = Field(default=None, max_length=32)
    last_error: str | None = None
    error_count: int = 0
    items_created: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class FeedItem(SQLModel, table=True):
    """One item of a feed, seen once: the unique key keeps it to exactly one draft."""

    __tablename__ = "feed_item"
    __table_args__ = (sa.UniqueConstraint("feed_id", "guid_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(foreign_key="feed.id", index=True, ondelete="CASCADE")
    guid_hash: str = Field(max_length=64)
    announcement_id: int | None = Field(
        default=None, foreign_key="announcement.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

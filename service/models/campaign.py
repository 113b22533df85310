"""Campaigns and their editions (one rendered document per language x announcement set)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class CampaignStatus(StrEnum):
    """Lifecycle of a campaign."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"
    CANCELLED = "cancelled"


class TrackingMode(StrEnum):
    """Campaign.tracking values: how much a campaign may record about opens and clicks."""

    CONSENT = "consent"  # per subscriber, only with tracking consent
    AGGREGATE = "aggregate"  # counts without identity, for everyone
    OFF = "off"


class CampaignBase(SQLModel):
    """Fields a client may set."""

    name: str = Field(max_length=200)
    subject_en: str = Field(max_length=300)
    subject_de: str = Field(max_length=300)
    intro_en: str | None = None
    intro_de: str | None = None
    list_slug: str = Field(default="newsletter", max_length=64)
    list_name: str = Field(default="Partnership Newsletter", max_length=200)
    timezone: str = Field(default="Europe/Berlin", max_length=64)
    tracking: TrackingMode = Field(default=TrackingMode.CONSENT, sa_type=sa.String(16))
    # Shown in the public web archive and Atom feed once sent (without personal data).
    public_archive: bool = False


class Campaign(CampaignBase, table=True):
    """A newsletter send to the union of target segments minus exclusions."""

    __table_args__ = (sa.Index("ix_campaign_status_send_at", "status", "send_at"),)

    id: int | None = Field(default=None, primary_key=True)
    status: CampaignStatus = Field(default=CampaignStatus.DRAFT, sa_type=sa.String(16))
    send_at: datetime | None = Field(default=None, sa_column=ts_column())
    status_reason: str | None = None
    # Frozen at fan-out start: bit i of an edition key's mask means announcement plan[i].
    plan_announcement_ids: list[int] | None = Field(default=None, sa_column=json_column())
    heartbeat_at: datetime | None = Field(default=None, sa_column=ts_column())
    fanout_done: bool = False
    # Per-edition subject overrides: [{"language", "announcement_ids" (sorted), "subject"}],
    # keyed by the announcement set, not the mask, so a re-ordered plan keeps each override.
    edition_subjects: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=json_column(nullable=False, server_default="[]")
    )
    fanout_cursor: int = 0
    consecutive_errors: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=ts_column())
    finished_at: datetime | None = Field(default=None, sa_column=ts_column())
    # Optimistic concurrency over what people change (fields, segments, picks, actions);
    # the workers' bookkeeping (cursor, heartbeat, start, finish) does not count as an edit.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    updated_by_id: int | None = Field(
        default=None, foreign_key="newsroom_user.id", ondelete="SET NULL"
    )
    updated_at: datetime | None = Field(default=None, sa_column=ts_column())
    # Whom it reaches (models.automation.Cadence): "issue" subscribers get campaigns as sent;
    # a digest reaches its cadence and leaves out what each subscriber already got.
    cadence: str = Field(
        default="issue", max_length=16, sa_column_kwargs={"server_default": "issue"}
    )


class CampaignAnnouncement(SQLModel, table=True):
    """An announcement the team picked for a campaign; with picks, only these are carried."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    announcement_id: int = Field(
        foreign_key="announcement.id", primary_key=True, ondelete="CASCADE"
    )


class CampaignSegment(SQLModel, table=True):
    """A target (or, with exclude, an exclusion) segment of a campaign."""

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True, ondelete="CASCADE")
    segment_id: int = Field(foreign_key="segment.id", primary_key=True)
    exclude: bool = False


class Edition(SQLModel, table=True):
    """What one group of recipients got, stored exactly as sent (before personal values)."""

    __table_args__ = (sa.UniqueConstraint("campaign_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=80)
    language: str = Field(max_length=2)
    announcement_ids: list[int] = Field(sa_column=json_column(nullable=False))
    subject: str = ""
    html: str = ""
    text: str = ""
    links: list[str] = Field(default_factory=list, sa_column=json_column(nullable=False))
    # Position in announcement_ids of the announcement holding LINK{n} (None: edition-level link).
    link_announcements: list[int | None] = Field(
        default_factory=list, sa_column=json_column(nullable=False, server_default="[]")
    )
    meta: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    rendered_at: datetime | None = Field(default=None, sa_column=ts_column())

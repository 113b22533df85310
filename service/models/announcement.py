"""Announcements: bilingual content items with an audience and a responsible coordinator."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class ApprovalState(StrEnum):
    """Only approved announcements reach an edition (transitions: domain/approval_states.py)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class AnnouncementBase(SQLModel):
    """Fields a client may set; texts are Markdown."""

    slug: str = Field(max_length=80)
    title_en: str | None = Field(default=None, max_length=300)
    title_de: str | None = Field(default=None, max_length=300)
    # How a subject names the item ("research stays"); generated subjects list these.
    short_title_en: str | None = Field(default=None, max_length=120)
    short_title_de: str | None = Field(default=None, max_length=120)
    summary_en: str | None = None
    summary_de: str | None = None
    body_en: str | None = None
    body_de: str | None = None
    topic: str = Field(default="general", max_length=64)
    priority: int = 100
    cta_url: str | None = Field(default=None, max_length=2000)
    cta_label_en: str | None = Field(default=None, max_length=120)
    cta_label_de: str | None = Field(default=None, max_length=120)
    image_url: str | None = Field(default=None, max_length=2000)
    image_alt_en: str | None = Field(default=None, max_length=300)
    image_alt_de: str | None = Field(default=None, max_length=300)
    approval: str = Field(default=ApprovalState.APPROVED, max_length=16)
    coordinator_id: int | None = Field(default=None, foreign_key="coordinator.id")
    response_target_hours: float | None = None  # overrides the coordinator's target


class Announcement(AnnouncementBase, table=True):
    """A news item; priority ascending orders it within an edition."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    valid_from: datetime | None = Field(default=None, sa_column=ts_column())
    valid_until: datetime | None = Field(default=None, sa_column=ts_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    # Optimistic concurrency: every write by a person increments it; forms carry it back.
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    # Newsroom user ids (None: the system, the shared admin token or the CLI without a user).
    created_by_id: int | None = Field(
        default=None, foreign_key="newsroom_user.id", ondelete="SET NULL"
    )
    updated_by_id: int | None = Field(
        default=None, foreign_key="newsroom_user.id", ondelete="SET NULL"
    )
    updated_at: datetime | None = Field(default=None, sa_column=ts_column())
    submitted_by_id: int | None = Field(
        default=None, foreign_key="newsroom_user.id", ondelete="SET NULL"
    )
    reject_reason: str | None = None
    approved_by_id: int | None = Field(
        default=None, foreign_key="newsroom_user.id", ondelete="SET NULL"
    )
    approved_at: datetime | None = Field(default=None, sa_column=ts_column())
    # The content as last approved, so the next approver sees what changed since.
    approved_snapshot: dict[str, Any] | None = Field(default=None, sa_column=json_column())


class AnnouncementSegment(SQLModel, table=True):
    """The audience of an announcement: any of these segments."""

    announcement_id: int = Field(
        foreign_key="announcement.id", primary_key=True, ondelete="CASCADE"
    )
    segment_id: int = Field(foreign_key="segment.id", primary_key=True)

"""A campaign's history: what happened to it beyond its state (overrides, automatic resumes)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class CampaignEvent(SQLModel, table=True):
    """One entry in a campaign's history; admin overrides are audit entries (actor, reason)."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)  # complaint-gate-override, auto-pause, auto-resume, ...
    detail: str = Field(default="", max_length=2000)
    actor: str = Field(default="system", max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

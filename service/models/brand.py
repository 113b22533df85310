"""Branding the admins set in the newsroom (over the settings' defaults) and the media library."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from service.models._common import json_column, ts_column, utcnow


class BrandOverride(SQLModel, table=True):
    """One row (id 1): the brand fields an admin changed; a missing key keeps the setting."""

    __tablename__ = "brand_override"

    id: int | None = Field(default=None, primary_key=True)
    values: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    version: int = 0  # optimistic concurrency: the form carries the version it edits
    updated_by_id: int | None = Field(
        default=None, foreign_key="newsroom_user.id", ondelete="SET NULL"
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))


class MediaAsset(SQLModel, table=True):
    """An uploaded image (type and size checked by content), stored under storage_key."""

    __tablename__ = "media_asset"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=255)  # as uploaded, shown in the library
    content_type: str = Field(max_length=32)  # from the bytes, never from the name
    width: int
    height: int
    size_bytes: int
    sha256: str = Field(max_length=64, index=True)
    storage_key: str = Field(max_length=255, unique=True)
    uploaded_by_id: int | None = Field(
        default=None, foreign_key="newsroom_user.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))

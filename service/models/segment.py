"""Segments: saved rules over subscriber attributes, evaluated at send time."""

from __future__ import annotations

from typing import Any

from sqlmodel import Field, SQLModel

from service.models._common import json_column


class SegmentBase(SQLModel):
    """Fields a client may set."""

    slug: str = Field(max_length=64, regex=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(max_length=200)
    description: str = ""
    rule: dict[str, Any] = Field(sa_column=json_column(nullable=False))


class Segment(SegmentBase, table=True):
    """A named audience rule."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)

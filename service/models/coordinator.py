"""Coordinators: the people responsible for announcements, who receive routed inquiries."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class CoordinatorBase(SQLModel):
    """Fields a client may set."""

    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    office: str = Field(default="", max_length=200)
    language: str = Field(default="en", max_length=2)
    send_acknowledgement: bool = False
    calendar: str = Field(default="munich", max_length=32)  # office calendar (settings)
    response_target_hours: float | None = None  # business hours; None = the default
    deputy_id: int | None = Field(default=None, foreign_key="coordinator.id")


class Coordinator(CoordinatorBase, table=True):
    """A responsible person or office."""

    id: int | None = Field(default=None, primary_key=True)

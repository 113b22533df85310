"""Newsroom users: named people with one role each, and the roles they can hold."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from service.models._common import ts_column, utcnow


class Role(StrEnum):
    """What a user is for; service.accounts.permissions maps each role to its actions."""

    ADMIN = "admin"
    EDITOR = "editor"
    APPROVER = "approver"
    COORDINATOR = "coordinator"
    VIEWER = "viewer"


class UiLanguage(StrEnum):
    """Languages of the newsroom UI."""

    DE = "de"
    EN = "en"


class User(SQLModel, table=True):
    """A person who logs in to the newsroom (or holds API tokens)."""

    __tablename__ = "newsroom_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)  # normalised like subscribers'
    display_name: str = Field(max_length=200)
    role: str = Field(default=Role.VIEWER, max_length=16)
    password_hash: str = Field(max_length=200)
    totp_secret: str | None = Field(default=None, max_length=64)  # base32; None = no 2nd factor
    disabled: bool = False
    language: str = Field(default=UiLanguage.EN, max_length=2)
    coordinator_id: int | None = Field(default=None, foreign_key="coordinator.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    password_changed_at: datetime = Field(
        default_factory=utcnow, sa_column=ts_column(nullable=False)
    )

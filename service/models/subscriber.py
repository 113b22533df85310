"""Subscribers: one row per normalised address."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import json_column, table_of, ts_column, utcnow


class SubscriberStatus(StrEnum):
    """Where a subscriber stands; only `confirmed` receives campaigns."""

    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BLOCKLISTED = "blocklisted"
    DISABLED = "disabled"  # bounce score exceeded: no campaigns, only bounce notices (F3)


class Language(StrEnum):
    """Edition languages."""

    DE = "de"
    EN = "en"


class SubscriberBase(SQLModel):
    """Fields a client may set."""

    email: str = Field(max_length=320)
    name: str | None = Field(default=None, max_length=200)
    language: str = Field(default=Language.EN, max_length=2)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_column=json_column(nullable=False))
    tracking_consent: bool = False


class Subscriber(SubscriberBase, table=True):
    """A person who may receive newsletters."""

    __table_args__ = (
        sa.Index("ix_subscriber_status_id", "status", "id"),
        # Segment rules compile attribute tests to `attributes @> {...}` on PostgreSQL.
        sa.Index(
            "ix_subscriber_attributes_gin",
            "attributes",
            postgresql_using="gin",
            postgresql_ops={"attributes": "jsonb_path_ops"},
        ).ddl_if(dialect="postgresql"),
        # Newsroom search (service/audience/search.py): email prefix, email/name contains.
        sa.Index(
            "ix_subscriber_email_pattern",
            "email",
            postgresql_ops={"email": "text_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            "ix_subscriber_email_trgm",
            "email",
            postgresql_using="gin",
            postgresql_ops={"email": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            "ix_subscriber_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # Reports count unsubscribes after a delivery: few rows, so a partial index lets the
        # planner start from them instead of probing the subscriber of every delivery.
        sa.Index(
            "ix_subscriber_unsubscribed_at",
            "unsubscribed_at",
            postgresql_where=sa.text("unsubscribed_at IS NOT NULL"),
            sqlite_where=sa.text("unsubscribed_at IS NOT NULL"),
        ),
        # Links carry subscriber ids and unsubscribe links never expire: never reuse an id.
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    email_hash: str = Field(max_length=64, index=True)
    status: SubscriberStatus = Field(default=SubscriberStatus.UNCONFIRMED, sa_type=sa.String(16))
    created_at: datetime = Field(default_factory=utcnow, sa_column=ts_column(nullable=False))
    confirmed_at: datetime | None = Field(default=None, sa_column=ts_column())
    unsubscribed_at: datetime | None = Field(default=None, sa_column=ts_column())


# The trigram indexes need pg_trgm (a trusted extension: the database owner may create it).
sa.event.listen(
    table_of(Subscriber),
    "before_create",
    sa.DDL(  # type: ignore[no-untyped-call]
        "CREATE EXTENSION IF NOT EXISTS pg_trgm"
    ).execute_if(dialect="postgresql"),
)

"""Subscribers: one row per normalised address."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.models._common import json_column, table_of, ts_column, utcnow

# Longest segment_topics (characters) kept in the segment index: a btree key holds ~2,700 bytes.
SEGMENT_TOPICS_INDEXED = 600


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
        # The segment live count (topic x language over confirmed people) reads this index
        # alone on PostgreSQL: an index-only scan over deduplicated keys, a few bytes per
        # person, instead of re-checking the whole heap behind the attributes GIN bitmap
        # (issue 11). Topic lists too long for a btree key are in the small index below.
        sa.Index(
            "ix_subscriber_segment_facets",
            "status",
            "language",
            "segment_topics",
            postgresql_where=sa.text(f"length(segment_topics) <= {SEGMENT_TOPICS_INDEXED}"),
            sqlite_where=sa.text(f"length(segment_topics) <= {SEGMENT_TOPICS_INDEXED}"),
        ),
        sa.Index(
            "ix_subscriber_segment_long_topics",
            "id",
            postgresql_where=sa.text(f"length(segment_topics) > {SEGMENT_TOPICS_INDEXED}"),
            sqlite_where=sa.text(f"length(segment_topics) > {SEGMENT_TOPICS_INDEXED}"),
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
    # attributes.topics as "|t1|t2|" (string elements only, each with "~" -> "~~", "|" -> "~p"),
    # kept by the database (triggers below) from every writer, COPY included; segment SQL reads
    # it so a topic test needs no JSON (service/domain/segment_sql.py). Never set it by hand.
    segment_topics: str = Field(default="", sa_column_kwargs={"server_default": ""})


# The trigram indexes need pg_trgm (a trusted extension: the database owner may create it).
sa.event.listen(
    table_of(Subscriber),
    "before_create",
    sa.DDL(  # type: ignore[no-untyped-call]
        "CREATE EXTENSION IF NOT EXISTS pg_trgm"
    ).execute_if(dialect="postgresql"),
)


def topics_needle(topic: str) -> str:
    """The substring of `segment_topics` that marks `topic` (the triggers' encoding)."""
    return "|" + topic.replace("~", "~~").replace("|", "~p") + "|"


# The same DDL runs in the migration (0002_gdpr). PostgreSQL: one BEFORE trigger (COPY fires it).
PG_SEGMENT_TOPICS_DDL = """
CREATE OR REPLACE FUNCTION subscriber_segment_topics() RETURNS trigger AS $$
BEGIN
  NEW.segment_topics := CASE WHEN jsonb_typeof(NEW.attributes -> 'topics') = 'array' THEN
    coalesce((SELECT '|' || string_agg(replace(replace(e #>> '{}', '~', '~~'), '|', '~p'), '|')
                     || '|'
                FROM jsonb_array_elements(NEW.attributes -> 'topics') AS e
               WHERE jsonb_typeof(e) = 'string'), '')
    ELSE '' END;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER subscriber_segment_topics BEFORE INSERT OR UPDATE ON subscriber
  FOR EACH ROW EXECUTE FUNCTION subscriber_segment_topics();
"""
_SQLITE_TOPICS = """UPDATE subscriber SET segment_topics =
  CASE WHEN json_type(NEW.attributes, '$.topics') = 'array' THEN
    coalesce((SELECT '|' || group_concat(replace(replace(value, '~', '~~'), '|', '~p'), '|') || '|'
                FROM json_each(NEW.attributes, '$.topics') WHERE type = 'text'), '')
  ELSE '' END
  WHERE id = NEW.id;"""
SQLITE_SEGMENT_TOPICS_DDL = (
    f"CREATE TRIGGER subscriber_segment_topics_insert AFTER INSERT ON subscriber\n"
    f"BEGIN {_SQLITE_TOPICS} END",
    f"CREATE TRIGGER subscriber_segment_topics_update AFTER UPDATE OF attributes ON subscriber\n"
    f"BEGIN {_SQLITE_TOPICS} END",
)
sa.event.listen(
    Subscriber.__table__,  # type: ignore[attr-defined]
    "after_create",
    sa.DDL(PG_SEGMENT_TOPICS_DDL).execute_if(dialect="postgresql"),  # type: ignore[no-untyped-call]
)
for _ddl in SQLITE_SEGMENT_TOPICS_DDL:
    sa.event.listen(
        Subscriber.__table__,  # type: ignore[attr-defined]
        "after_create",
        sa.DDL(_ddl).execute_if(dialect="sqlite"),  # type: ignore[no-untyped-call]
    )

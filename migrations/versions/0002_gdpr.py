"""gdpr: inbound mail linked to subscribers, raw-mail retention, ledger notice version + SQLite
append-only triggers (issue 14, items 4-5); subscriber.segment_topics and the covering index of
the segment live count (issue 11)

Revision ID: 0002_gdpr
Revises: 0001
Create Date: 2026-12-01 11:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_gdpr"
down_revision: str | None = "0002_dns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same DDL as service/models/consent.py (create_all): UPDATE always refused; DELETE only on
# a connection inside ledger_erasure(), which the per-connection SQL function reports.
SQLITE_APPEND_ONLY_TRIGGERS = (
    """CREATE TRIGGER consent_event_no_update BEFORE UPDATE ON consent_event
BEGIN SELECT RAISE(ABORT, 'consent_event is append-only (UPDATE refused)'); END""",
    """CREATE TRIGGER consent_event_no_delete BEFORE DELETE ON consent_event
WHEN newsdesk_ledger_erasure() = 0
BEGIN SELECT RAISE(ABORT, 'consent_event is append-only (DELETE refused)'); END""",
)


# The same DDL as service/models/subscriber.py: attributes.topics as "|t1|t2|" for segment SQL.
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


def upgrade() -> None:
    """Add the columns, keys and triggers."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscriber_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("raw_expired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_inboundmessage_subscriber_id"), ["subscriber_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_inboundmessage_subscriber_id_subscriber", "subscriber", ["subscriber_id"], ["id"]
        )
    # complaint rows of subscribers deleted before this key existed point nowhere: unlink them
    op.execute(
        "UPDATE complaintevent SET subscriber_id = NULL WHERE subscriber_id IS NOT NULL AND "
        "NOT EXISTS (SELECT 1 FROM subscriber WHERE subscriber.id = complaintevent.subscriber_id)"
    )
    with op.batch_alter_table("complaintevent", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_complaintevent_subscriber_id_subscriber", "subscriber", ["subscriber_id"], ["id"]
        )
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "privacy_notice_version",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default="",
            )
        )
    if sqlite:  # PostgreSQL has had its trigger since 0001
        for ddl in SQLITE_APPEND_ONLY_TRIGGERS:
            op.execute(ddl)
    _segment_facets_upgrade(sqlite)


def _segment_facets_upgrade(sqlite: bool) -> None:
    """Issue 11: the topic column kept by triggers, filled once, and the covering index."""
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "segment_topics",
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="",
            )
        )
    for ddl in SQLITE_SEGMENT_TOPICS_DDL if sqlite else (PG_SEGMENT_TOPICS_DDL,):
        op.execute(ddl)
    op.execute("UPDATE subscriber SET attributes = attributes")  # the triggers fill the column
    # not in a batch (a SQLite table copy would drop the triggers); length in characters
    short, long = sa.text("length(segment_topics) <= 600"), sa.text("length(segment_topics) > 600")
    op.create_index(
        "ix_subscriber_segment_facets",
        "subscriber",
        ["status", "language", "segment_topics"],
        unique=False,
        postgresql_where=short,
        sqlite_where=short,
    )
    op.create_index(
        "ix_subscriber_segment_long_topics",
        "subscriber",
        ["id"],
        unique=False,
        postgresql_where=long,
        sqlite_where=long,
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_subscriber_segment_long_topics", table_name="subscriber")
    op.drop_index("ix_subscriber_segment_facets", table_name="subscriber")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS subscriber_segment_topics_insert")
        op.execute("DROP TRIGGER IF EXISTS subscriber_segment_topics_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS subscriber_segment_topics ON subscriber")
        op.execute("DROP FUNCTION IF EXISTS subscriber_segment_topics()")
    with op.batch_alter_table("subscriber", schema=None) as batch_op:
        batch_op.drop_column("segment_topics")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS consent_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS consent_event_no_delete")
    with op.batch_alter_table("consent_event", schema=None) as batch_op:
        batch_op.drop_column("privacy_notice_version")
    with op.batch_alter_table("complaintevent", schema=None) as batch_op:
        batch_op.drop_constraint("fk_complaintevent_subscriber_id_subscriber", type_="foreignkey")
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.drop_constraint("fk_inboundmessage_subscriber_id_subscriber", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_inboundmessage_subscriber_id"))
        batch_op.drop_column("raw_expired_at")
        batch_op.drop_column("subscriber_id")

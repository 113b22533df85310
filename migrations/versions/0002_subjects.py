"""subjects per edition: announcement short titles, per-edition subject overrides

Revision ID: 0002_subjects
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0002_subjects"
down_revision: str | None = "0002_gdpr"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("short_title_en", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
        batch_op.add_column(sa.Column("short_title_de", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True))
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "edition_subjects",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("edition_subjects")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_column("short_title_de")
        batch_op.drop_column("short_title_en")

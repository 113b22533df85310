"""surface: import column mapping, branding overrides, media library

Revision ID: 0002_surface
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0002_surface"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mapping", JSON, nullable=False, server_default="{}"))
        batch_op.add_column(
            sa.Column("consent_basis", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("consent_source", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_column("consent_source")
        batch_op.drop_column("consent_basis")
        batch_op.drop_column("mapping")

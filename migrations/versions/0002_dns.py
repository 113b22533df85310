"""inbound SMTP client address and HELO name, for our own SPF evaluation (issue 15)

Revision ID: 0002_dns
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002_dns"
down_revision: str | None = "0002_sunset"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True)
        )
        batch_op.add_column(
            sa.Column("client_helo", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("inboundmessage", schema=None) as batch_op:
        batch_op.drop_column("client_helo")
        batch_op.drop_column("client_ip")

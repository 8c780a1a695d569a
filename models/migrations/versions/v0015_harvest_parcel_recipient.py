"""harvest parcel recipient: the name the adoption dialogue now asks with the address

Existing adoptions get an empty name: their parcel still goes to the gift's recipient or the
name on the certificate (models.adoption.harvests.Harvest.recipient).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 13:15:45.475911
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this migration."""
    for table in ("adoption", "adoptiondraft"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("recipient", sa.String(length=80), nullable=False, server_default="")
            )


def downgrade() -> None:
    """Reverts this migration."""
    for table in ("adoptiondraft", "adoption"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("recipient")

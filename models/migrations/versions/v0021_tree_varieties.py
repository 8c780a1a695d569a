"""tree varieties: a cultivar per tree in zh / lo / en (variety_zh, variety_lo, variety_en)

Existing trees get empty varieties, so their lists and cards read as before.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("variety_zh", "variety_lo", "variety_en")


def upgrade() -> None:
    """Applies this migration."""
    with op.batch_alter_table("tree", schema=None) as batch_op:
        for name in COLUMNS:
            # the server default fills the existing rows (a plain ADD COLUMN, no table copy)
            batch_op.add_column(
                sa.Column(name, sa.String(length=40), nullable=False, server_default="")
            )


def downgrade() -> None:
    """Reverts this migration."""
    with op.batch_alter_table("tree", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)

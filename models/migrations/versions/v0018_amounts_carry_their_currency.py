"""amounts carry their currency: villages, orders, order lines and adoptions get a `currency`
column; every existing row is CNY (its amounts were fen), so nothing changes meaning — a Lao
village loaded before stays in yuan until its catalog is loaded again with kip prices

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("village", "shop_order", "orderitem", "adoption")


def upgrade() -> None:
    """Applies this migration."""
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # the server default fills the existing rows (a plain ADD COLUMN, no table copy)
            batch_op.add_column(
                sa.Column("currency", sa.String(length=3), nullable=False, server_default="CNY")
            )


def downgrade() -> None:
    """Reverts this migration."""
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("currency")

"""one pending payment per thing

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 13:13:12.035836
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Adds the pending key (unique) and fills it for the pending payments that exist."""
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_key", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint("uq_payment_pending_key", ["pending_key"])
    # The newest pending payment of each thing keeps it; older duplicates stay keyless.
    op.execute(
        """
        UPDATE payment SET pending_key = kind || ':' || CAST(target_id AS VARCHAR(20))
        WHERE status = 'pending' AND id IN (
            SELECT max(id) FROM payment WHERE status = 'pending' GROUP BY kind, target_id
        )
        """
    )


def downgrade() -> None:
    """Removes the pending key."""
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint("uq_payment_pending_key", type_="unique")
        batch_op.drop_column("pending_key")

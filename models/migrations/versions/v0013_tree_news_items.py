"""tree news items: a ready-made news item (code and day count) on each tree update

A farmer taps one of a set of news items; each adopter reads it in their own language, so the
update stores the item's code (and, for "harvest in N days", N) beside the farmer's own words.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this migration."""
    with op.batch_alter_table("treeupdate") as batch:
        batch.add_column(sa.Column("item", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("days", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Reverts this migration."""
    with op.batch_alter_table("treeupdate") as batch:
        batch.drop_column("days")
        batch.drop_column("item")

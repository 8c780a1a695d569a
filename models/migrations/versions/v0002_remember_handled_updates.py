"""Telegram updates by id: handled ones, so a repeated update is skipped, and the webhook's
stored, not yet handled ones, so a crash after acknowledging one loses nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 11:53:02.313112
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this migration."""
    op.create_table(
        "telegramupdate",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.String(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    with op.batch_alter_table("telegramupdate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegramupdate_handled_at"), ["handled_at"], unique=False
        )


def downgrade() -> None:
    """Reverts this migration."""
    with op.batch_alter_table("telegramupdate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegramupdate_handled_at"))

    op.drop_table("telegramupdate")

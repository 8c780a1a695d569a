"""help messages to the post office: texts, voice notes and photos users send from /help,
forwarded to the operators (models/helpdesk.py)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 13:41:38.704361
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this migration."""
    op.create_table(
        "helpmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("voice", sa.String(length=200), nullable=True),
        sa.Column("photo", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("helpmessage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_helpmessage_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Reverts this migration."""
    with op.batch_alter_table("helpmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_helpmessage_user_id"))

    op.drop_table("helpmessage")

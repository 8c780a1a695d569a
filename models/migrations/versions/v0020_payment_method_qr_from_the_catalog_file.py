"""payment methods: a QR code picture from the imported catalog file (qr_image)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 16:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this migration: a nullable column, so existing methods stay as they are."""
    with op.batch_alter_table("village_payment_method", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qr_image", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """Reverts this migration."""
    with op.batch_alter_table("village_payment_method", schema=None) as batch_op:
        batch_op.drop_column("qr_image")

"""encrypted personal fields: phone, address, gift and certificate names, stored updates: TEXT

Fernet tokens are longer than the values they hold (a 20-character phone number becomes a
120-character token), so the columns lose their length limits on PostgreSQL (SQLite never
enforced them). Values already stored stay
readable as plaintext until `python -m bot encrypt-data` (or `rotate-key`) encrypts them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMES = {"certificate_name": 80, "gift_recipient": 80, "gift_message": 200, "recipient": 80}
DELIVERY = {"address": 300, "phone": 20}
COLUMNS: dict[str, dict[str, int]] = {
    "shop_order": DELIVERY,
    "cart": DELIVERY,
    "adoption": {**NAMES, **DELIVERY},
    "adoptiondraft": {**NAMES, **DELIVERY},
}
NULLABLE = {"cart"}  # a checkout draft has no address or phone until they are typed


def upgrade() -> None:
    """Applies this migration (PostgreSQL: SQLite never limits a VARCHAR, and rebuilding
    shop_order there would break the foreign keys that point at it)."""
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table("telegramupdate", schema=None) as batch_op:
        batch_op.alter_column(
            "payload", existing_type=sa.String(), type_=sa.Text(), existing_nullable=True
        )
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns.items():
                batch_op.alter_column(
                    column,
                    existing_type=sa.String(length=length),
                    type_=sa.Text(),
                    existing_nullable=table in NULLABLE,
                )


def downgrade() -> None:
    """Reverts this migration (on PostgreSQL only once the values are plain: tokens do not fit)."""
    if op.get_bind().dialect.name == "sqlite":
        return
    with op.batch_alter_table("telegramupdate", schema=None) as batch_op:
        batch_op.alter_column(
            "payload", existing_type=sa.Text(), type_=sa.String(), existing_nullable=True
        )
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in columns.items():
                batch_op.alter_column(
                    column,
                    existing_type=sa.Text(),
                    type_=sa.String(length=length),
                    existing_nullable=table in NULLABLE,
                )

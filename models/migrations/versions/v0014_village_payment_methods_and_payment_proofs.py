"""village payment methods and payment proofs

Each village gets its offline payment methods (added by operators; the sample catalog brings its
own); a payment remembers the method chosen, the buyer's proof and the operator's answer; an
order remembers the village it comes from, filled in for existing orders from their first item;
a village may have its own order-number prefix (existing ones keep SBD-).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 13:12:16.827080
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Applies this migration."""
    op.create_table(
        "village_payment_method",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("name_lo", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=60), nullable=False),
        sa.Column("qr_file_id", sa.String(length=200), nullable=True),
        sa.Column("qr_sample", sa.Boolean(), nullable=False),
        sa.Column("account_text", sa.String(length=300), nullable=False),
        sa.Column("counter_address", sa.String(length=300), nullable=False),
        sa.Column("opening_hours", sa.String(length=120), nullable=False),
        sa.Column("hold_hours", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["village.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("village_payment_method", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_village_payment_method_village_id"), ["village_id"], unique=False
        )

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("proof_kind", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("proof_file_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("proof_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rejected_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_prefix", sa.String(length=6), nullable=True))
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("village_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE shop_order SET village_id = (SELECT product.village_id FROM orderitem "
        "JOIN product ON product.id = orderitem.product_id "
        "WHERE orderitem.order_id = shop_order.id ORDER BY orderitem.id LIMIT 1)"
    )


def downgrade() -> None:
    """Reverts this migration."""
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_column("village_id")
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.drop_column("order_prefix")

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("note")
        batch_op.drop_column("rejected_reason")
        batch_op.drop_column("proof_at")
        batch_op.drop_column("proof_file_id")
        batch_op.drop_column("proof_kind")
        batch_op.drop_column("method_id")

    with op.batch_alter_table("village_payment_method", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_village_payment_method_village_id"))

    op.drop_table("village_payment_method")

"""tree positions on the orchard map: a row and column per tree on its village's grid

Existing trees are placed as the Mini App drew them before: per village, in code order, a new
row for each kind, six to a row; retired trees (not drawn) after the others.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 15:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PER_ROW = 6  # the tiles a row held at 360 px before trees had positions


def placements(trees: list[tuple[int, int, int, bool]]) -> dict[int, tuple[int, int]]:
    """(id, village, species, retired) in code order -> id: (row, col), as the page drew them:
    a new row for each kind, six to a row; retired trees (never drawn) in rows after them."""
    cells: dict[int, tuple[int, int]] = {}
    last: dict[int, tuple[tuple[int, bool], int, int]] = {}  # village -> (group, row, col)
    for tree_id, village, species, retired in sorted(trees, key=lambda t: t[3]):  # stable
        group = (species, retired)
        previous, row, column = last.get(village, (group, 1, 0))
        if previous != group or column == PER_ROW:
            row, column = (row + 1, 0) if column else (row, 0)
        column += 1
        last[village] = (group, row, column)
        cells[tree_id] = (row, column)
    return cells


def upgrade() -> None:
    """Applies this migration."""
    op.add_column("tree", sa.Column("grid_row", sa.Integer(), nullable=True))
    op.add_column("tree", sa.Column("grid_col", sa.Integer(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, village_id, species_id, status FROM tree ORDER BY village_id, code")
    ).all()
    trees = [(r[0], r[1], r[2], r[3] != "available") for r in rows]
    for tree_id, (row, column) in placements(trees).items():
        bind.execute(
            sa.text("UPDATE tree SET grid_row = :row, grid_col = :col WHERE id = :id"),
            {"row": row, "col": column, "id": tree_id},
        )
    op.create_index(
        "ux_tree_village_cell", "tree", ["village_id", "grid_row", "grid_col"], unique=True
    )


def downgrade() -> None:
    """Reverts this migration."""
    op.drop_index("ux_tree_village_cell", table_name="tree")
    with op.batch_alter_table("tree", schema=None) as batch_op:
        batch_op.drop_column("grid_col")
        batch_op.drop_column("grid_row")

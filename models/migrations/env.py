"""Alembic environment: runs migrations on the connection `bot.migrate` hands over.

There is no alembic.ini: `bot.migrate.alembic_config` sets the script location in code, so the
migrations run the same from any working directory (`python -m bot migrate`, `make migration`).
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

import models.tables  # noqa: F401  (registers every table on SQLModel.metadata)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Writes SQLModel's column types as the plain SQL types they store, without sqlmodel."""
    if type_ == "type" and isinstance(obj, AutoString):
        length = getattr(obj.impl, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations() -> None:
    """Runs the migrations on the connection given in the config's attributes."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `python -m bot migrate` (bot.migrate)")
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite alters a table by copying it; batch mode does that
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

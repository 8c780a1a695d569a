"""Helpers shared by every table module: UTC timestamps, portable upserts, id columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def utcnow() -> datetime:
    """The current moment in UTC, as stored in every timestamp column."""
    return datetime.now(UTC)


def telegram_id_column(**kwargs: Any) -> Any:
    """A BIGINT column: Telegram ids do not fit in 32 bits."""
    return Column(BigInteger, **kwargs)


def insert_ignoring_conflicts(
    session: Session, table: Any, values: dict[str, Any] | list[dict[str, Any]]
) -> int:
    """Inserts a row (or several) unless one with the same unique key exists; returns how many
    were inserted."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # RETURNING, not rowcount: psycopg reports rowcount -1 for this statement on PostgreSQL.
    one: Any = literal_column("1")
    if isinstance(values, dict):
        statement = module.insert(table).values(values).on_conflict_do_nothing()
        return len(session.exec(statement.returning(one)).all())
    # Several rows go as parameter sets of one statement, not as VALUES written into it: that
    # statement is compiled once, where a VALUES list was compiled anew for every batch.
    if not values:
        return 0
    columns = getattr(table, "__table__", table)
    statement = module.insert(columns).on_conflict_do_nothing().returning(one)
    return len(session.execute(statement, values).all())

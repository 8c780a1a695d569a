"""Telegram updates the bot has received and handled, so each one has its effect once.

Polling records only the handled ids; webhook mode also stores the raw update before answering
Telegram, so an update acknowledged but not yet handled survives a crash.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, bindparam, delete, func, text
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import insert_ignoring_conflicts, utcnow

KEEP_HANDLED = timedelta(days=7)


class TelegramUpdate(SQLModel, table=True):
    """One update by its id: its JSON when stored by the webhook, and when it was handled."""

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    payload: str | None = None
    received_at: datetime = Field(default_factory=utcnow)
    handled_at: datetime | None = Field(default=None, index=True)


def store_update(*, session: Session, update_id: int, payload: dict[str, Any]) -> bool:
    """Stores a received update unless it is already known; True if it is new."""
    values = {
        "update_id": update_id,
        "payload": json.dumps(payload, ensure_ascii=False),
        "received_at": utcnow(),
    }
    return insert_ignoring_conflicts(session, TelegramUpdate, values) == 1


def was_handled(*, session: Session, update_id: int) -> bool:
    """Tells whether this update has already been handled."""
    statement = (
        select(TelegramUpdate.update_id)
        .where(TelegramUpdate.update_id == update_id)
        .where(col(TelegramUpdate.handled_at).is_not(None))
    )
    return session.exec(statement).first() is not None


# Written once per update, so a plain SQL upsert (the same text on SQLite and PostgreSQL):
# building the ORM statement each time cost about as much as running it (docs/performance.md).
_MARK_HANDLED = text(
    "INSERT INTO telegramupdate (update_id, received_at, handled_at) "
    "VALUES (:update_id, :now, :now) "
    "ON CONFLICT (update_id) DO UPDATE SET handled_at = excluded.handled_at "
    "WHERE telegramupdate.handled_at IS NULL"
).bindparams(bindparam("now", type_=TelegramUpdate.__table__.c.handled_at.type))  # type: ignore[attr-defined]


def mark_handled(*, session: Session, update_id: int) -> None:
    """Records that this update has been handled (once; a second mark changes nothing)."""
    session.execute(_MARK_HANDLED, {"update_id": update_id, "now": utcnow()})


def unhandled_updates(*, session: Session, limit: int = 50) -> list[tuple[int, dict[str, Any]]]:
    """Stored updates not handled yet, oldest update_id first, as (id, JSON)."""
    statement = (
        select(TelegramUpdate.update_id, TelegramUpdate.payload)
        .where(col(TelegramUpdate.handled_at).is_(None))
        .where(col(TelegramUpdate.payload).is_not(None))
        .order_by(col(TelegramUpdate.update_id))
        .limit(limit)
    )
    return [
        (update_id, json.loads(payload or "{}")) for update_id, payload in session.exec(statement)
    ]


def count_unhandled(*, session: Session) -> int:
    """How many stored updates wait to be handled."""
    statement = select(func.count()).where(col(TelegramUpdate.handled_at).is_(None))
    return int(session.exec(statement).one())


def prune_updates(*, session: Session, keep: timedelta = KEEP_HANDLED) -> int:
    """Forgets updates handled longer ago than `keep`; returns how many."""
    cutoff = utcnow() - keep
    statement = delete(TelegramUpdate).where(col(TelegramUpdate.handled_at) < cutoff)
    return int(session.exec(statement).rowcount)


def newest_handled(*, session: Session) -> int:
    """The highest update id handled so far (-1 when none)."""
    statement = select(func.max(TelegramUpdate.update_id)).where(
        col(TelegramUpdate.handled_at).is_not(None)
    )
    return session.exec(statement).one() or -1

"""The notification outbox: messages to users, written in the same transaction as the change.

A domain function that must tell someone calls `notify(...)` before it returns, so the message
is stored if and only if the change is. `bot.notify` sends what is due, with retries.

Several bot processes may share one database, so a sender first claims the rows it will send:
`claim_due` stamps them with its name and a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two
senders never wait on or take the same row; SQLite: one `UPDATE … RETURNING`, which its write
lock makes atomic). Another sender skips a claimed row until the lease runs out, which is how the
rows of a process that died are sent after all.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, or_, text, update
from sqlalchemy.orm import aliased
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import insert_ignoring_conflicts, telegram_id_column, utcnow
from models.core.user import User

MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)  # how long a claimed row is left to its sender


class NotificationStatus(StrEnum):
    """Where a notification stands."""

    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"  # the user blocked the bot: never retried
    FAILED = "failed"  # Telegram refused it for good, or it ran out of attempts


class Notification(SQLModel, table=True):
    """One message to one user: what happened (`kind`) and the facts to tell (`params`)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=telegram_id_column(index=True, nullable=False))
    kind: str = Field(max_length=40)
    params: str = Field(default="{}")
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    status: str = Field(default=NotificationStatus.PENDING, max_length=10, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = None

    def data(self) -> dict[str, Any]:
        """The params as a dict."""
        return json.loads(self.params)  # type: ignore[no-any-return]


def notify(
    *,
    session: Session,
    user_id: int,
    kind: str,
    params: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> None:
    """Queues a notification; with `dedupe_key`, a second one for the same event is dropped."""
    values: dict[str, Any] = {
        "user_id": user_id,
        "kind": kind,
        "params": json.dumps(params or {}, ensure_ascii=False, default=str),
        "dedupe_key": dedupe_key,
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }
    if dedupe_key is None:
        session.add(Notification(**values))
    else:
        insert_ignoring_conflicts(session, Notification, values)


_CLAIM_TURN = text("SELECT pg_advisory_xact_lock(7344013)")  # the outbox's (updates use ...012)


def claim_due(
    *, session: Session, worker: str, limit: int = 100, lease: timedelta = LEASE
) -> list[tuple[Notification, str | None]]:
    """Claims due, unclaimed rows for `worker`, oldest first, with the recipient's language.

    A chat whose rows another worker holds is left to it: two workers sending to one chat would
    break its order (and try a chat that blocked the bot twice).
    """
    now = utcnow()
    held = aliased(Notification)
    held_elsewhere = exists().where(
        col(held.user_id) == col(Notification.user_id),
        col(held.status) == NotificationStatus.PENDING,
        col(held.claimed_until) >= now,
        col(held.claimed_by) != worker,
    )
    due = (
        select(Notification.id)
        .where(Notification.status == NotificationStatus.PENDING)
        .where(Notification.next_attempt_at <= now)
        .where(
            or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now)
        )
        .where(~held_elsewhere)
        .order_by(col(Notification.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # claims take turns, so each sees the others' (SQLite's write lock already does that)
        session.execute(_CLAIM_TURN)
        ids: Any = list(session.exec(due.with_for_update(skip_locked=True)))
    else:  # SQLite: the subquery and the update run under one write lock
        ids = due
    claim = (
        update(Notification)
        .where(col(Notification.id).in_(ids))
        .values(claimed_by=worker, claimed_until=now + lease)
        .returning(col(Notification.id))
    )
    claimed = list(session.exec(claim).scalars())
    if not claimed:
        return []
    statement = (
        select(Notification, User.language)
        .join(User, col(User.id) == col(Notification.user_id), isouter=True)
        .where(col(Notification.id).in_(claimed))
        .order_by(col(Notification.id))
    )
    return [(row, language) for row, language in session.exec(statement)]


def release_claims(*, session: Session, worker: str, notification_ids: list[int]) -> None:
    """Hands back rows `worker` claimed but did not try, so the next sender need not wait."""
    session.exec(
        update(Notification)
        .where(col(Notification.id).in_(notification_ids))
        .where(col(Notification.claimed_by) == worker)
        .values(claimed_by=None, claimed_until=None)
    )


def _settle(row: Notification) -> None:
    """Ends the current sender's claim on a row it has dealt with."""
    row.claimed_by, row.claimed_until = None, None


def mark_sent(*, session: Session, notification_id: int) -> None:
    """Records a delivered notification."""
    row = session.get_one(Notification, notification_id)
    row.status, row.sent_at, row.attempts = NotificationStatus.SENT, utcnow(), row.attempts + 1
    _settle(row)
    session.add(row)


def mark_retry(
    *,
    session: Session,
    notification_id: int,
    delay: timedelta,
    error: str,
    counts: bool = True,
    max_attempts: int = MAX_ATTEMPTS,
) -> str:
    """Schedules another attempt; gives up after `max_attempts` that count. Returns the status."""
    row = session.get_one(Notification, notification_id)
    if counts:
        row.attempts += 1
    row.last_error = error[:300]
    row.next_attempt_at = utcnow() + delay
    if row.attempts >= max_attempts:
        row.status = NotificationStatus.FAILED
    _settle(row)
    session.add(row)
    return row.status


def mark_failed(*, session: Session, notification_id: int, error: str) -> None:
    """Gives up on a notification Telegram will never accept."""
    row = session.get_one(Notification, notification_id)
    row.status, row.last_error, row.attempts = (
        NotificationStatus.FAILED,
        error[:300],
        row.attempts + 1,
    )
    _settle(row)
    session.add(row)


def mark_blocked(*, session: Session, user_id: int, error: str) -> None:
    """The user blocked the bot: flag them and stop every pending notification to them."""
    session.exec(update(User).where(col(User.id) == user_id).values(blocked_bot=True))
    session.exec(
        update(Notification)
        .where(col(Notification.user_id) == user_id)
        .where(col(Notification.status) == NotificationStatus.PENDING)
        .values(
            status=NotificationStatus.BLOCKED,
            last_error=error[:300],
            claimed_by=None,
            claimed_until=None,
        )
    )


def notifications_for(*, session: Session, user_id: int) -> list[Notification]:
    """Every notification of one user, oldest first."""
    statement = select(Notification).where(Notification.user_id == user_id)
    return list(session.exec(statement.order_by(col(Notification.id))))

"""Telegram updates by id: stored before they are handled, claimed while handled, then forgotten.

Every received update (polling and webhook alike) is stored before Telegram is told it arrived,
so an update acknowledged but not yet handled survives a crash. Before its handlers run, an
update is *claimed*: its row names the claiming process and a lease expiry, taken in one atomic
statement, so a repeated delivery (in this process or another) is skipped while the first is in
flight and after it finished, and a claim whose process died is taken over once the lease ran
out. A handled row keeps only what exactly-once needs: its id, who handled it and when; its
payload and the chat/user ids are dropped at once (retention).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Column, bindparam, delete, func, text, update
from sqlmodel import Field, Session, SQLModel, col, select

from models.core.base import insert_ignoring_conflicts, utcnow
from models.core.crypto import Encrypted, decrypt

KEEP_HANDLED = timedelta(days=7)


class TelegramUpdate(SQLModel, table=True):
    """One update by its id: its JSON until handled, its claim, and when it was handled."""

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    # encrypted like the personal columns (models/core/crypto.py): it holds names and typed text
    payload: str | None = Field(default=None, sa_type=Encrypted)
    received_at: datetime = Field(default_factory=utcnow)
    handled_at: datetime | None = Field(default=None, index=True)
    # which process handles it and until when the claim holds (a dead process's claim expires)
    claimed_by: str | None = Field(default=None, max_length=80)
    lease_until: datetime | None = None
    # whose update it is, so a chat's updates are claimed in order across processes
    chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


@dataclass(frozen=True)
class Claim:
    """Who claims an update and for how long."""

    owner: str
    lease: timedelta

    def until(self, now: datetime) -> datetime:
        """When a claim taken now expires."""
        return now + self.lease


_TIME = TelegramUpdate.__table__.c.handled_at.type  # type: ignore[attr-defined]


def _owners(payload: dict[str, Any]) -> tuple[int | None, int | None]:
    """The chat id and the sender id of a raw update (None when it has none)."""
    for key, value in payload.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        message = value if "chat" in value else value.get("message") or {}
        sender = value.get("from") or value.get("user") or {}
        return _int((message.get("chat") or {}).get("id")), _int(sender.get("id"))
    return None, None


def _int(value: Any) -> int | None:
    """An id as an int, or None."""
    return value if isinstance(value, int) else None


def _row(update_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """The stored row of a received update."""
    chat_id, user_id = _owners(payload)
    return {
        "update_id": update_id,
        "payload": json.dumps(payload, ensure_ascii=False),
        "received_at": utcnow(),
        "chat_id": chat_id,
        "user_id": user_id,
    }


def store_update(*, session: Session, update_id: int, payload: dict[str, Any]) -> bool:
    """Stores a received update unless it is already known; True if it is new."""
    return insert_ignoring_conflicts(session, TelegramUpdate, _row(update_id, payload)) == 1


def store_updates(*, session: Session, payloads: list[dict[str, Any]]) -> int:
    """Stores a fetched batch of updates in one statement (the known ones are left alone);
    returns how many were new."""
    if not payloads:
        return 0
    rows = [_row(int(payload["update_id"]), payload) for payload in payloads]
    return insert_ignoring_conflicts(session, TelegramUpdate, rows)


# Insert-or-take in one statement, the same text on SQLite and PostgreSQL: the row is taken
# only if it is not handled and nobody else holds a live claim (this process may renew its own).
_CLAIM = text(
    "INSERT INTO telegramupdate (update_id, received_at, claimed_by, lease_until) "
    "VALUES (:update_id, :now, :owner, :until) "
    "ON CONFLICT (update_id) DO UPDATE SET "
    "claimed_by = excluded.claimed_by, lease_until = excluded.lease_until "
    "WHERE telegramupdate.handled_at IS NULL AND (telegramupdate.lease_until IS NULL "
    "OR telegramupdate.lease_until < :now OR telegramupdate.claimed_by = :owner) "
    "RETURNING update_id"
).bindparams(bindparam("now", type_=_TIME), bindparam("until", type_=_TIME))


def claim_update(*, session: Session, update_id: int, claim: Claim) -> bool:
    """Claims one update for handling; False if it was handled or another process holds it."""
    now = utcnow()
    values = {"update_id": update_id, "now": now, "owner": claim.owner, "until": claim.until(now)}
    return session.execute(_CLAIM, values).first() is not None


# The next stored updates nobody holds, oldest first, skipping a chat's or user's update while
# an earlier one of theirs is in another process's hands (so each chat stays in order).
_CLAIM_STORED = (
    "UPDATE telegramupdate SET claimed_by = :owner, lease_until = :until "
    "WHERE update_id IN (SELECT u.update_id FROM telegramupdate AS u "
    "WHERE u.handled_at IS NULL AND u.payload IS NOT NULL "
    "AND (u.lease_until IS NULL OR u.lease_until < :now) "
    "AND NOT EXISTS (SELECT 1 FROM telegramupdate AS e WHERE e.handled_at IS NULL "
    "AND e.update_id < u.update_id AND (e.chat_id = u.chat_id OR e.user_id = u.user_id) "
    "AND e.lease_until >= :now AND e.claimed_by <> :owner) "
    "ORDER BY u.update_id LIMIT :limit{lock}) "
    "RETURNING update_id, payload"
)
_CLAIM_STORED_SQLITE = text(_CLAIM_STORED.format(lock="")).bindparams(
    bindparam("now", type_=_TIME), bindparam("until", type_=_TIME)
)
_CLAIM_STORED_POSTGRES = text(_CLAIM_STORED.format(lock=" FOR UPDATE SKIP LOCKED")).bindparams(
    bindparam("now", type_=_TIME), bindparam("until", type_=_TIME)
)
# Claims by different processes take turns (a transaction-scoped lock), so the NOT EXISTS above
# sees every earlier claim; SQLite's BEGIN IMMEDIATE already serialises them.
_CLAIM_TURN = text("SELECT pg_advisory_xact_lock(7344012)")


def claim_stored(
    *, session: Session, claim: Claim, limit: int = 50
) -> list[tuple[int, dict[str, Any]]]:
    """Claims up to `limit` stored, unhandled updates; returns them as (id, JSON), oldest first."""
    now = utcnow()
    values = {"owner": claim.owner, "now": now, "until": claim.until(now), "limit": limit}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_CLAIM_TURN)
        rows = session.execute(_CLAIM_STORED_POSTGRES, values).all()
    else:
        rows = session.execute(_CLAIM_STORED_SQLITE, values).all()
    return sorted(
        (int(update_id), json.loads(decrypt(payload) if payload else "{}"))
        for update_id, payload in rows
    )


def release_claims(*, session: Session) -> int:
    """Frees every claim on unhandled updates (at start, when no other process can hold one)."""
    statement = text(
        "UPDATE telegramupdate SET lease_until = NULL "
        "WHERE handled_at IS NULL AND lease_until IS NOT NULL"
    )
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


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
# The payload and the chat/user ids go at once: exactly-once needs only the id.
_MARK_HANDLED = text(
    "INSERT INTO telegramupdate (update_id, received_at, handled_at) "
    "VALUES (:update_id, :now, :now) "
    "ON CONFLICT (update_id) DO UPDATE SET handled_at = excluded.handled_at, "
    "payload = NULL, chat_id = NULL, user_id = NULL, lease_until = NULL "
    "WHERE telegramupdate.handled_at IS NULL"
).bindparams(bindparam("now", type_=_TIME))


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


# What a raw update may say about a person beyond ids: dropped when they ask to be erased.
_PERSONAL_KEYS = frozenset(
    {
        "last_name",
        "username",
        "phone_number",
        "vcard",
        "email",
        "bio",
        "caption",
        "query",
        "location",
        "venue",
        "order_info",
        "contact",
        "entities",
        "caption_entities",
    }
)
ERASED_NAME = "[erased]"  # models.privacy.ANONYMOUS (not imported: privacy imports this module)


_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(@\w{1,64})?")


def _bare_command(text: Any) -> bool:
    """Whether a message text is a command without arguments (/start, /help@bot): no data."""
    return isinstance(text, str) and _COMMAND.fullmatch(text) is not None


def scrub_payload(value: Any) -> Any:
    """The update without names, usernames, typed text, phone numbers or addresses (ids kept)."""
    if isinstance(value, list):
        return [scrub_payload(item) for item in value]
    if not isinstance(value, dict):
        return value
    scrubbed: dict[str, Any] = {}
    for key, item in value.items():
        if key in _PERSONAL_KEYS:
            continue
        if key == "text" and not _bare_command(item):
            continue
        if key == "shipping_address" and isinstance(item, dict):  # required by a shipping query
            scrubbed[key] = {field: "" for field in item}
            continue
        if key in ("first_name", "title") and isinstance(item, str):
            scrubbed[key] = ERASED_NAME
            continue
        scrubbed[key] = scrub_payload(item)
    return scrubbed


def scrub_unhandled(*, session: Session, user_id: int) -> int:
    """Erases the personal fields of the user's stored, not yet handled updates; returns how many.

    They are still handled afterwards (a command stays a command), but without what the user
    typed or shared, so nothing from before the erasure survives in the table.
    """
    rows = session.exec(
        select(TelegramUpdate)
        .where(col(TelegramUpdate.handled_at).is_(None))
        .where(col(TelegramUpdate.payload).is_not(None))
    ).all()  # few (they wait seconds), and encrypted: each is read to find the user in it
    changed = 0
    for row in rows:
        payload = json.loads(row.payload or "{}")
        if not _mentions(payload, user_id):
            continue  # someone else's update
        row.payload = json.dumps(scrub_payload(payload), ensure_ascii=False)
        session.add(row)
        changed += 1
    return changed


def _mentions(value: Any, user_id: int) -> bool:
    """Whether a user object with this id appears anywhere in the update."""
    if isinstance(value, list):
        return any(_mentions(item, user_id) for item in value)
    if isinstance(value, dict):
        if value.get("id") == user_id or value.get("user_id") == user_id:
            return True
        return any(_mentions(item, user_id) for item in value.values())
    return False


def expire_stale(*, session: Session, keep: timedelta = KEEP_HANDLED) -> int:
    """Drops the payload of updates stored longer ago than `keep` and still not handled.

    Telegram itself forgets an update after a day; one still waiting after a week never will be
    handled, and its payload is personal data.
    """
    cutoff = utcnow() - keep
    statement = (
        update(TelegramUpdate)
        .where(col(TelegramUpdate.handled_at).is_(None))
        .where(col(TelegramUpdate.payload).is_not(None))
        .where(col(TelegramUpdate.received_at) < cutoff)
        .values(payload=None, chat_id=None, user_id=None, lease_until=None, handled_at=utcnow())
    )
    return int(session.exec(statement).rowcount)


def newest_handled(*, session: Session) -> int:
    """The highest update id handled so far (-1 when none)."""
    statement = select(func.max(TelegramUpdate.update_id)).where(
        col(TelegramUpdate.handled_at).is_not(None)
    )
    return session.exec(statement).one() or -1

"""Conversation states and per-user scratch data, saved so a restart resumes every dialogue.

They are read when an update starts (any process may take a chat's next update) and written
with the update's "handled" mark in one transaction when it ends, for that update's chat and
user only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, bindparam, delete, text
from sqlmodel import Field, Session, SQLModel, select

from models.core.base import telegram_id_column, utcnow
from models.core.updates import Claim, claim_update, mark_handled


class ConversationState(SQLModel, table=True):
    """Where one chat stands in one named conversation (PTB ConversationHandler)."""

    name: str = Field(primary_key=True, max_length=40)
    key: str = Field(primary_key=True, max_length=80)
    state: str = Field(max_length=2000)


class UserScratch(SQLModel, table=True):
    """A user's `user_data`: small scratch values between two steps of a dialogue."""

    user_id: int = Field(sa_column=telegram_id_column(primary_key=True, autoincrement=False))
    data: str = Field(default="{}")
    updated_at: datetime = Field(default_factory=utcnow)


def load_conversations(*, session: Session, name: str) -> dict[tuple[int | str, ...], object]:
    """Every saved state of the conversation `name`, keyed as PTB keys them."""
    rows = session.exec(select(ConversationState).where(ConversationState.name == name))
    return {tuple(json.loads(row.key)): json.loads(row.state) for row in rows}


# Written at most once per update: plain SQL (the same on SQLite and PostgreSQL) instead of a
# load-then-flush through the ORM, which cost twice as much (docs/performance.md).
_SAVE_STATE = text(
    'INSERT INTO conversationstate (name, "key", state) VALUES (:name, :key, :state) '
    'ON CONFLICT (name, "key") DO UPDATE SET state = excluded.state'
)
_FORGET_STATE = text('DELETE FROM conversationstate WHERE name = :name AND "key" = :key')


def save_conversation(
    *, session: Session, name: str, key: tuple[int | str, ...], state: object | None
) -> None:
    """Saves (or, with None, forgets) where one chat stands in a conversation."""
    values = {"name": name, "key": json.dumps(list(key))}
    if state is None:
        session.execute(_FORGET_STATE, values)
        return
    session.execute(_SAVE_STATE, {**values, "state": json.dumps(state)})


# Read when updates start, in one statement for one update or a claimed batch: the chats'
# conversation states, then (name NULL) each user's scratch. Plain SQL, like the writes above.
_LOAD_STATES = text(
    'SELECT name, "key", state, NULL AS user_id FROM conversationstate WHERE "key" IN :keys '
    "UNION ALL SELECT NULL, NULL, data, user_id FROM userscratch WHERE user_id IN :users"
).bindparams(  # typed: an empty list stays comparable (PostgreSQL: varchar = integer)
    bindparam("keys", expanding=True, type_=String()),
    bindparam("users", expanding=True, type_=BigInteger()),
)
NameKey = tuple[str, tuple[int | str, ...]]


@dataclass
class UpdateStart:
    """What an update needs before its handlers run: its claim, its states, its user_data."""

    claimed: bool
    conversations: dict[NameKey, object] = field(default_factory=dict)
    scratch: dict[str, Any] | None = None


def start_update(
    *,
    session: Session,
    update_id: int,
    claim: Claim | None,
    conversations: list[NameKey],
    user_id: int | None,
) -> UpdateStart:
    """Claims an update and, if it is ours, reads the states it may change (one transaction).

    `claim` None: this process holds a fresh claim on it already (its worker claimed it).
    """
    if claim is not None and not claim_update(session=session, update_id=update_id, claim=claim):
        return UpdateStart(claimed=False)
    return read_starts(session=session, wanted={update_id: (conversations, user_id)})[update_id]


def read_starts(
    *, session: Session, wanted: dict[int, tuple[list[NameKey], int | None]]
) -> dict[int, UpdateStart]:
    """The states of updates about to start (update_id → its conversation keys and user), read
    in one statement: the worker's claim of a batch brings them along."""
    distinct = {key for names, _user in wanted.values() for _name, key in names}  # shared keys
    keys = sorted(json.dumps(list(key)) for key in distinct)
    users = sorted({user for _names, user in wanted.values() if user is not None})
    if not keys and not users:
        return _starts(wanted, [])
    return _starts(wanted, list(session.execute(_LOAD_STATES, {"keys": keys, "users": users})))


def _starts(
    wanted: dict[int, tuple[list[NameKey], int | None]], rows: list[Any]
) -> dict[int, UpdateStart]:
    """Each update's UpdateStart from rows (name, key, state, None) of conversations and
    (None, None, data, user_id) of scratch; a user with no scratch row gets an empty one."""
    states: dict[NameKey, object] = {}
    scratch: dict[int, dict[str, Any]] = {}
    for name, key, saved, user_id in rows:
        if name is None:
            scratch[int(user_id)] = json.loads(saved)
        else:
            states[(name, tuple(json.loads(key)))] = json.loads(saved)
    starts = {}
    for update_id, (conversations, user_id) in wanted.items():
        found = {
            wanted_key: states[wanted_key] for wanted_key in conversations if wanted_key in states
        }
        mine = None if user_id is None else scratch.get(user_id, {})
        starts[update_id] = UpdateStart(claimed=True, conversations=found, scratch=mine)
    return starts


def load_scratch(*, session: Session) -> dict[int, dict[str, Any]]:
    """Every user's saved scratch data."""
    return {row.user_id: json.loads(row.data) for row in session.exec(select(UserScratch))}


def save_scratch(*, session: Session, user_id: int, data: dict[str, Any]) -> None:
    """Saves one user's scratch data (an empty dict removes the row)."""
    if not data:
        session.exec(delete(UserScratch).where(UserScratch.user_id == user_id))  # type: ignore[arg-type]
        return
    row = session.get(UserScratch, user_id) or UserScratch(user_id=user_id)
    row.data, row.updated_at = json.dumps(data, default=str), utcnow()
    session.add(row)


@dataclass
class StateChanges:
    """What one update changed: conversation states and user_data, to write in one go."""

    conversations: dict[tuple[str, tuple[int | str, ...]], object | None] = field(
        default_factory=dict
    )
    scratch: dict[int, dict[str, Any]] = field(default_factory=dict)

    def merge(self, other: StateChanges) -> None:
        """Adds later changes over these."""
        self.conversations.update(other.conversations)
        self.scratch.update(other.scratch)

    def __bool__(self) -> bool:
        return bool(self.conversations or self.scratch)


def save_changes(
    *, session: Session, changes: StateChanges, handled_update_id: int | None = None
) -> None:
    """Writes an update's state changes and, with its id, marks the update handled."""
    for (name, key), new_state in changes.conversations.items():
        save_conversation(session=session, name=name, key=key, state=new_state)
    for user_id, data in changes.scratch.items():
        save_scratch(session=session, user_id=user_id, data=data)
    if handled_update_id is not None:
        mark_handled(session=session, update_id=handled_update_id)

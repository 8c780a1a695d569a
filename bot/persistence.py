"""Conversation states and user_data kept in the database, read and written per update.

PTB's persistence loads every state once at start-up and writes on a timer (`update_interval`),
collecting every user's pending changes. Neither fits a bot whose updates run concurrently and
in several processes: a crash between two writes forgets where users stood, a timer write saves
other users' half-done states, and a second process would act on a dialogue it loaded long ago.
So here the database is the only truth: `bot.updates` reads the update's own chat's states and
its user's user_data when the update starts (`apply_start`) and writes what that update changed,
for that chat and user only, together with its "handled" mark when it ends (`update_changes`).
`DatabasePersistence` is what PTB needs to allow persistent ConversationHandlers; it loads
nothing and its own writes (timer, shutdown) are dropped, since every update already wrote.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Update
from telegram.ext import BasePersistence, ConversationHandler, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.db import Database
from models.core import state

AnyApp = Any
NameKey = tuple[str, tuple[int | str, ...]]


class DatabasePersistence(BasePersistence[dict[str, Any], dict[Any, Any], dict[Any, Any]]):
    """Lets PTB run persistent dialogues; the reads and writes happen per update (see above)."""

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self.db = db
        self.loaded: dict[int, str] = {}  # each user's user_data as read at the update's start

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        """Nothing up front: each update reads its own user's data."""
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        """Chat data is not used."""
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        """Bot data is not persisted (it holds the runtime services)."""
        return {}

    async def get_callback_data(self) -> None:
        """Arbitrary callback data is not used."""
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        """Nothing up front: each update reads its own chat's states."""
        return {}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Dropped: the update that changed the state wrote it."""

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Dropped: the update that changed the data wrote it."""

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not used."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Bot data is not persisted."""

    async def update_callback_data(self, data: Any) -> None:
        """Arbitrary callback data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not used."""

    async def drop_user_data(self, user_id: int) -> None:
        """Forgets one user's scratch data (PTB calls this outside any update)."""
        self.loaded.pop(user_id, None)
        await self.db.run(state.save_changes, changes=state.StateChanges(scratch={user_id: {}}))

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """Nothing here: `apply_start` reads it together with the update's claim."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not used."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Bot data is not persisted."""

    async def flush(self) -> None:
        """Everything is written as it happens."""


def _dialogues(application: AnyApp) -> list[ConversationHandler[Any]]:
    """Every persistent ConversationHandler of the application (cached while none is added)."""
    size = sum(len(group) for group in application.handlers.values())
    cached = application.bot_data.get("dialogues")
    if cached is None or cached[0] != size:
        found = [
            handler
            for group in application.handlers.values()
            for handler in group
            if isinstance(handler, ConversationHandler) and handler.persistent and handler.name
        ]
        cached = application.bot_data["dialogues"] = (size, found)
    return cached[1]  # type: ignore[no-any-return]


# PTB has no public API to load one chat's state or to tell which states an update changed:
# _get_key and _conversations (a TrackingDict) are PTB 22's own, as in handlers/kit/dialogues.py.
def _keys(application: AnyApp, update: Update) -> list[tuple[ConversationHandler[Any], Any]]:
    """(dialogue, key) of every persistent dialogue for this update's chat and user."""
    found = []
    for dialogue in _dialogues(application):
        try:
            found.append((dialogue, dialogue._get_key(update)))
        except RuntimeError:  # the update has no chat or user this dialogue is keyed by
            continue
    return found


def state_keys(application: AnyApp, update: Update) -> list[NameKey]:
    """The (name, key) of every conversation state this update may read or change."""
    return [(str(dialogue.name), tuple(key)) for dialogue, key in _keys(application, update)]


def apply_start(application: AnyApp, update: Update, start: state.UpdateStart) -> None:
    """Puts the states and user_data read from the database in place of the in-memory ones."""
    for dialogue, key in _keys(application, update):
        conversations = dialogue._conversations
        stored = start.conversations.get((str(dialogue.name), tuple(key)))
        if stored is None:
            conversations.data.pop(key, None)  # type: ignore[attr-defined]
        else:
            conversations.update_no_track({key: stored})  # type: ignore[attr-defined]
        conversations._write_access_keys.discard(key)  # type: ignore[attr-defined]
    user = update.effective_user
    if user is not None and start.scratch is not None:
        data = application.user_data[user.id]
        data.clear()
        data.update(start.scratch)
        persistence = application.persistence
        if isinstance(persistence, DatabasePersistence):
            persistence.loaded[user.id] = _fingerprint(start.scratch)


def update_changes(application: AnyApp, update: Update) -> state.StateChanges:
    """What this update changed in its own chat's states and its own user's user_data."""
    changes = state.StateChanges()
    for dialogue, key in _keys(application, update):
        written = dialogue._conversations._write_access_keys  # type: ignore[attr-defined]
        if key in written:
            written.discard(key)
            changes.conversations[(str(dialogue.name), tuple(key))] = _resolved(
                dialogue._conversations.get(key)
            )
    user = update.effective_user
    if user is not None:
        changes.scratch.update(_scratch_change(application, user.id))
    return changes


def _scratch_change(application: AnyApp, user_id: int) -> dict[int, dict[str, Any]]:
    """The user's user_data if this update changed it (or dropped it), else nothing."""
    persistence = application.persistence
    dropped = application._user_ids_to_be_deleted_in_persistence
    if user_id in dropped:  # application.drop_user_data during this update
        dropped.discard(user_id)
        data: dict[str, Any] = {}
    else:
        data = dict(application.user_data.get(user_id) or {})
    application._user_ids_to_be_updated_in_persistence.discard(user_id)
    fingerprint = _fingerprint(data)
    if not isinstance(persistence, DatabasePersistence):
        return {user_id: data}
    if persistence.loaded.get(user_id, _fingerprint({})) == fingerprint:
        return {}
    persistence.loaded[user_id] = fingerprint
    return {user_id: data}


def _resolved(value: object) -> object | None:
    """A state as it is stored: a non-blocking handler's pending state resolved if it can be."""
    resolve = getattr(value, "resolve", None)
    if resolve is None:
        return value
    done = getattr(value, "done", lambda: False)
    return resolve() if done() else getattr(value, "old_state", None)


def _fingerprint(data: dict[str, Any]) -> str:
    """A stable text form of user_data, to tell whether it changed."""
    return json.dumps(data, sort_keys=True, default=str)

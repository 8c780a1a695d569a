"""PTB persistence backed by the bot's database, written at the end of every update.

PTB's own persistence classes write on a timer (`update_interval`), so a crash between two writes
forgets where users stood. Here `bot.updates.finish_update` runs after every handler of an update:
it asks PTB for what the update changed (conversation states, user_data), and writes those changes
together with the update's "handled" mark in one transaction. Writes PTB makes outside an update
(its timer, shutdown) go to the database at once.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from bot.db import Database
from models.core import state


class DatabasePersistence(BasePersistence[dict[str, Any], dict[Any, Any], dict[Any, Any]]):
    """Keeps conversation states and user_data in the database; nothing else."""

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self.db = db
        self._saved: dict[int, str] = {}  # what each user's row holds now, to skip no-op writes
        self._collecting = False
        self._changes = state.StateChanges()

    async def collect_changes(self, application: Any) -> state.StateChanges:
        """Runs PTB's update_persistence, keeping what it would write instead of writing it."""
        self._collecting = True
        try:
            await application.update_persistence()
        finally:
            self._collecting = False
        changes, self._changes = self._changes, state.StateChanges()
        return changes

    async def _write(self, changes: state.StateChanges) -> None:
        """Writes changes now, or keeps them for the end-of-update transaction."""
        if self._collecting:
            self._changes.merge(changes)
        else:
            await self.db.run(state.save_changes, changes=changes)

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        """Loads every user's scratch data."""
        data = await self.db.run(state.load_scratch)
        self._saved = {user_id: _fingerprint(values) for user_id, values in data.items()}
        return data

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
        """Loads the saved states of one conversation."""
        return await self.db.run(state.load_conversations, name=name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        """Saves one chat's state in one conversation."""
        await self._write(state.StateChanges(conversations={(name, key): new_state}))

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        """Saves one user's scratch data, unless it is what the database holds already."""
        fingerprint = _fingerprint(data)
        if self._saved.get(user_id, _fingerprint({})) == fingerprint:
            return
        self._saved[user_id] = fingerprint
        await self._write(state.StateChanges(scratch={user_id: data}))

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not used."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Bot data is not persisted."""

    async def update_callback_data(self, data: Any) -> None:
        """Arbitrary callback data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not used."""

    async def drop_user_data(self, user_id: int) -> None:
        """Forgets one user's scratch data."""
        self._saved.pop(user_id, None)
        await self._write(state.StateChanges(scratch={user_id: {}}))

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        """The in-memory copy is authoritative while the bot runs."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not used."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Bot data is not persisted."""

    async def flush(self) -> None:
        """Everything is written as it happens."""


def _fingerprint(data: dict[str, Any]) -> str:
    """A stable text form of user_data, to tell whether it changed."""
    return json.dumps(data, sort_keys=True, default=str)

"""The offline Application under test, and ways to talk to it as a user would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from bot.app import App
from bot.db import Database
from bot.offline import ApiCall, OfflineBotAPI
from tests.factories import (
    TgUser,
    make_callback_update,
    make_command_update,
    make_message_update,
    make_photo_update,
)


@dataclass
class Harness:
    """Drives the real Application through `process_update` and reads what it sent."""

    app: App
    api: OfflineBotAPI
    db: Database
    _last_keyboard: dict[int, dict[str, Any]] = field(default_factory=dict)

    async def send(self, data: dict[str, Any]) -> list[ApiCall]:
        """Processes one update; returns the Bot API calls it caused."""
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json(data, self.app.bot))
        calls = self.api.calls[before:]
        for call in calls:
            self._remember_keyboard(call)
        return calls

    def _remember_keyboard(self, call: ApiCall) -> None:
        """Keeps the latest message with an inline keyboard, per chat, for `tap`."""
        result = call.result
        if isinstance(result, dict) and (result.get("reply_markup") or {}).get("inline_keyboard"):
            self._last_keyboard[int(result["chat"]["id"])] = result

    async def command(self, user: TgUser, text: str) -> list[ApiCall]:
        """Sends a command such as `/start tree_PEACH-0001`."""
        return await self.send(make_command_update(user, text))

    async def text(self, user: TgUser, text: str) -> list[ApiCall]:
        """Sends a text message."""
        return await self.send(make_message_update(user, text))

    async def photo(self, user: TgUser, file_id: str, caption: str | None = None) -> list[ApiCall]:
        """Sends a photo message."""
        return await self.send(make_photo_update(user, file_id, caption))

    async def press(
        self, user: TgUser, data: str, message: dict[str, Any] | None = None
    ) -> list[ApiCall]:
        """Taps a button with this callback data (on `message`, default the latest keyboard)."""
        message = message or self._last_keyboard.get(user.id)
        return await self.send(make_callback_update(user, data, message))

    def buttons(self, user: TgUser) -> list[tuple[str, str]]:
        """(text, callback_data or url) of the latest inline keyboard shown to `user`."""
        message = self._last_keyboard.get(user.id)
        if message is None:
            return []
        rows = message["reply_markup"]["inline_keyboard"]
        return [(b["text"], b.get("callback_data") or b.get("url", "")) for r in rows for b in r]

    async def tap(self, user: TgUser, label: str) -> list[ApiCall]:
        """Taps the button of the latest keyboard whose text contains `label`."""
        matches = [data for text, data in self.buttons(user) if label in text]
        assert matches, f"no button {label!r} in {self.buttons(user)}"
        return await self.press(user, matches[0])


def texts(calls: list[ApiCall]) -> list[str]:
    """The text or caption of every message sent or edited, and of every alert."""
    found = []
    for call in calls:
        media = call.params.get("media")  # editMessageMedia: the new photo and its caption
        for params in (call.params, media if isinstance(media, dict) else {}):
            for key in ("text", "caption"):
                if isinstance(params.get(key), str):
                    found.append(params[key])
    return found


def last_text(calls: list[ApiCall]) -> str:
    """The text of the last message sent or edited."""
    found = texts(calls)
    assert found, f"no message in {[c.method for c in calls]}"
    return found[-1]

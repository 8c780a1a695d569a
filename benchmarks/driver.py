"""Drives simulated users through the real Application, timing every update."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.offline import ApiCall, OfflineBotAPI

REFERENCE = re.compile(r"<code>(P[0-9A-Z]{8})</code>")
Journey = Callable[["Driver", "SimUser"], AsyncIterator[dict[str, Any]]]


@dataclass(frozen=True)
class SimUser:
    """A simulated Telegram user."""

    id: int
    first_name: str
    language_code: str

    def json(self) -> dict[str, Any]:
        """The `from` object of this user's updates."""
        return {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }


@dataclass
class Driver:
    """Builds updates for simulated users and processes them through one Application."""

    app: Application  # type: ignore[type-arg]
    api: OfflineBotAPI
    operator: SimUser = field(default_factory=lambda: SimUser(1, "Operator", "zh-hans"))
    farmer: SimUser = field(default_factory=lambda: SimUser(2, "Farmer", "zh-hans"))
    latencies_ms: list[float] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _keyboards: dict[int, dict[str, Any]] = field(default_factory=dict)
    _references: dict[int, str] = field(default_factory=dict)
    free_trees: list[int] = field(default_factory=list)

    def next_free_tree(self) -> int:
        """A tree no other simulated adopter has picked."""
        return self.free_trees.pop()

    def message(self, user: SimUser, text: str) -> dict[str, Any]:
        """A text message (a command gets its bot_command entity)."""
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user.id, "type": "private"},
            "from": user.json(),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._ids), "message": message}

    def press(self, user: SimUser, data: str) -> dict[str, Any]:
        """A tap on a button of the latest keyboard shown to `user`."""
        query = {
            "id": str(next(self._ids)),
            "from": user.json(),
            "chat_instance": "b",
            "data": data,
            "message": self._keyboards.get(user.id)
            or {
                "message_id": 1,
                "date": 0,
                "chat": {"id": user.id, "type": "private"},
                "text": "…",
            },
        }
        return {"update_id": next(self._ids), "callback_query": query}

    def button(self, user: SimUser, label_part: str = "", data_prefix: str = "") -> str:
        """The callback data of the first button of the latest keyboard that matches."""
        message = self._keyboards.get(user.id) or {}
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                data = button.get("callback_data", "")
                if label_part in button["text"] and data.startswith(data_prefix) and data:
                    return str(data)
        raise LookupError(f"no button {label_part!r}/{data_prefix!r} for user {user.id}")

    def payment_reference(self, user: SimUser) -> str:
        """The payment reference code last shown to `user`."""
        return self._references[user.id]

    async def process(self, data: dict[str, Any]) -> None:
        """Processes one update and records how long it took."""
        before = len(self.api.calls)
        started = time.perf_counter()
        await self.app.process_update(Update.de_json(data, self.app.bot))
        self.latencies_ms.append((time.perf_counter() - started) * 1000)
        for call in self.api.calls[before:]:
            self.observe(call)
        if len(self.api.calls) > 10_000:  # keep memory flat over long runs
            del self.api.calls[:]

    def observe(self, call: ApiCall) -> None:
        """Notes what a user now sees: the latest keyboard, a payment reference."""
        reference = REFERENCE.search(str(call.params.get("text", "")))
        if reference:
            self._references[int(call.params["chat_id"])] = reference.group(1)
        result = call.result
        if isinstance(result, dict) and (result.get("reply_markup") or {}).get("inline_keyboard"):
            self._keyboards[int(result["chat"]["id"])] = result

    async def run_interleaved(self, journeys: list[AsyncIterator[dict[str, Any]]]) -> int:
        """Advances every journey one update at a time, round robin; returns updates processed."""
        active = list(journeys)
        count = 0
        while active:
            still = []
            for journey in active:
                try:
                    data = await anext(journey)
                except StopAsyncIteration:
                    continue
                await self.process(data)
                count += 1
                still.append(journey)
            active = still
        return count

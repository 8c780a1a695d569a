"""The update processor: concurrent across chats, in order within a chat and within a user.

PTB hands every update to the Application's `BaseUpdateProcessor`. This one keeps, for each key
(the update's chat id and its sender's id), the last update that holds it; a new update waits
until the earlier updates of its keys are done, then for one of `max_in_flight` slots (grammY's
runner `sequentialize`, aiogram's event isolation). Waiting on a key happens *before* taking a
slot, so a flood from one chat queues behind itself and never fills the slots other chats need.
Updates without a chat or a user (none the bot subscribes to today) wait for nothing but a slot.

The waits only ever point at earlier arrivals, so they cannot deadlock, and each key's updates
run in the order they arrived.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Hashable
from inspect import CORO_CREATED
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# BaseUpdateProcessor's own semaphore is taken before do_process_update, i.e. before the key
# wait: it is set out of the way, and the real bound is the semaphore below.
UNBOUNDED = 1 << 30


def update_keys(update: object) -> tuple[Hashable, ...]:
    """The keys an update is ordered by: its chat and its sender."""
    if not isinstance(update, Update):
        return ()
    keys: list[Hashable] = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return tuple(keys)


class SequentialUpdateProcessor(BaseUpdateProcessor):
    """Runs updates concurrently, one at a time per chat and per user, at most N at once."""

    def __init__(self, max_in_flight: int) -> None:
        super().__init__(UNBOUNDED)
        self.max_in_flight = max_in_flight
        self._slots = asyncio.BoundedSemaphore(max_in_flight)
        self._last: dict[Hashable, asyncio.Event] = {}

    @property
    def in_flight(self) -> int:
        """How many updates run right now (not counting those waiting for their chat)."""
        return self.max_in_flight - self._slots._value

    def pending_keys(self) -> frozenset[Hashable]:
        """The chats and users that have an update waiting or running here now."""
        return frozenset(self._last)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Waits for the update's chat and user, then for a slot, then handles it."""
        keys = update_keys(update)
        earlier = [self._last[key] for key in keys if key in self._last]
        done = asyncio.Event()
        for key in keys:  # synchronously, before any await: arrival order is the order
            self._last[key] = done
        try:
            for event in earlier:
                await event.wait()
            async with self._slots:
                await coroutine
        finally:
            _close(coroutine)
            done.set()
            for key in keys:
                if self._last.get(key) is done:
                    del self._last[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: the updates in hand finish with the Application's tasks."""


def _close(coroutine: Awaitable[Any]) -> None:
    """Closes a coroutine that was never started (its update was cancelled while waiting)."""
    if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == CORO_CREATED:
        coroutine.close()

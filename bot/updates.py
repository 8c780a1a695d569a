"""Each update handled once: a guard before every handler, a mark after them, and the worker
that handles updates the webhook stored, in update_id order, after a restart too.

Telegram delivers an update again when it got no answer (a webhook timing out, polling restarted
before the offset was confirmed), and PTB does not deduplicate. The guard stops an update whose id
is marked handled; the mark is written only after every handler group ran, so a crash in the
middle leaves the update unmarked and it is handled again rather than lost.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot.context import BotContext
from bot.persistence import DatabasePersistence
from models.core.state import save_changes
from models.core.updates import (
    mark_handled,
    newest_handled,
    prune_updates,
    unhandled_updates,
    was_handled,
)

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
RETRY_PAUSE = 5.0


async def skip_handled(update: Update, context: BotContext) -> None:
    """Stops an update that has already been handled (group -3, before everything else)."""
    # Telegram's update ids grow; one above every id this process handled is new, so the
    # database is asked only about old ids (the redeliveries that follow a restart).
    newest = context.bot_data.get("newest_handled")
    if newest is None:
        newest = context.bot_data["newest_handled"] = await context.db.run(newest_handled)
    if update.update_id <= newest and await context.db.run(was_handled, update_id=update.update_id):
        log.info("update %s was already handled; skipped", update.update_id)
        raise ApplicationHandlerStop


async def finish_update(update: Update, context: BotContext) -> None:
    """After every other handler: writes what the update changed and marks it handled, at once.

    Conversation states, user_data and the "handled" mark go in one transaction, so a crash
    leaves either all of them or none (and then the update is handled again).
    """
    if update.effective_user is not None:  # PTB marks it only after the last group
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
    persistence = context.application.persistence
    assert isinstance(persistence, DatabasePersistence)
    changes = await persistence.collect_changes(context.application)
    await context.db.run(save_changes, changes=changes, handled_update_id=update.update_id)
    context.bot_data["newest_handled"] = max(
        update.update_id, context.bot_data.get("newest_handled") or -1
    )


async def prune_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: forgets update ids handled more than a week ago."""
    removed = await context.application.bot_data["db"].run(prune_updates)
    if removed:
        log.info("forgot %s handled update ids", removed)


class UpdateWorker:
    """Handles stored, unhandled updates one at a time, oldest update_id first."""

    def __init__(self, application: AnyApp) -> None:
        self.application = application
        self.db = application.bot_data["db"]
        self._wakeup = asyncio.Event()
        self._wakeup.set()  # start by handling whatever a previous run left behind

    def wake(self) -> None:
        """Tells the worker that a new update has been stored."""
        self._wakeup.set()

    async def run(self) -> None:
        """Handles stored updates until cancelled."""
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            try:
                await self.drain()
            except Exception:  # the database is away: try again shortly
                log.exception("stored updates could not be handled; retrying")
                await asyncio.sleep(RETRY_PAUSE)
                self._wakeup.set()

    async def drain(self) -> int:
        """Handles every stored, unhandled update; returns how many."""
        handled = 0
        while batch := await self.db.run(unhandled_updates, limit=50):
            for update_id, payload in batch:
                await self.handle(update_id, payload)
                handled += 1
        return handled

    async def handle(self, update_id: int, payload: dict[str, Any]) -> None:
        """Handles one stored update and marks it handled, even if it cannot be parsed."""
        try:
            update = Update.de_json(payload, self.application.bot)
            await self.application.process_update(update)
        except Exception:  # a poison update must not block every later one
            log.exception("stored update %s failed; marked handled", update_id)
        await self.db.run(mark_handled, update_id=update_id)

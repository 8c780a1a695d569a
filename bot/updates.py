"""Each update handled once: a claim before every handler, a mark after them, and the worker
that hands stored updates (webhook and polling alike) to the update processor.

Telegram delivers an update again when it got no answer (a webhook timing out, polling restarted
before the offset was confirmed), PTB does not deduplicate, and updates run concurrently here, in
one process or several. So `claim_update` (group -3, before everything else) claims the update
durably, keyed by update_id, before any handler runs: a repeated delivery is skipped while the
first is in flight and after it finished, in this process (the in-flight map below) and in any
other (the claim row with its lease). `finish_update` (group 99) writes what the update changed
and its "handled" mark in one transaction; a crash in the middle leaves the update claimed but
unmarked, and it is handled again once its lease has run out, rather than lost.

The worker's claim of a batch also reads the states of the updates it claimed (one statement
for the batch), so their handlers start without a trip of their own. That read holds only for
an update whose chat and user have no earlier update in hand in this process (those could still
change the states); the claim keeps every other process off the chat until it is handled. The
others read their states when they start, as an update that did not come through the worker does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
import weakref
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session
from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot.context import BotContext
from bot.persistence import apply_start, state_keys, update_changes
from bot.processor import SequentialUpdateProcessor, update_keys
from models.core.state import NameKey, UpdateStart, read_starts, save_changes, start_update
from models.core.updates import Claim, claim_stored, mark_handled, prune_updates

log = logging.getLogger(__name__)

AnyApp = Application[Any, Any, Any, Any, Any, Any]
RETRY_PAUSE = 5.0
# How often the worker looks for stored updates nobody woke it for: stored by another instance
# that stopped before handling them, or claimed by a process that died (its lease ran out).
SCAN_EVERY = 5.0
CLAIM_BATCH = 50  # stored updates claimed per statement
FRESH_KEPT = 4096  # fetched Update objects kept for the worker (one not claimed here is dropped)
DEFAULT_LEASE = timedelta(seconds=60)


def claim_of(application: AnyApp) -> Claim:
    """This Application's claim: a name no other process or Application shares, and its lease."""
    claim = application.bot_data.get("claim")
    if claim is None:
        settings = application.bot_data.get("settings")
        seconds = getattr(settings, "update_lease_seconds", DEFAULT_LEASE.total_seconds())
        owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        claim = application.bot_data["claim"] = Claim(owner, timedelta(seconds=seconds))
    return claim  # type: ignore[no-any-return]


def _in_flight(application: AnyApp) -> weakref.WeakValueDictionary[int, asyncio.Task[Any]]:
    """update_id → the task handling it in this process (a finished task drops out by itself)."""
    tasks = application.bot_data.get("in_flight")
    if tasks is None:
        tasks = application.bot_data["in_flight"] = weakref.WeakValueDictionary()
    return tasks  # type: ignore[no-any-return]


@dataclass
class Claimed:
    """A stored update the worker claimed, parsed, with its states if they came with the claim."""

    update_id: int
    payload: dict[str, Any]
    update: Update | None  # None: PTB could not read it (handled as a poison update)
    start: UpdateStart | None = None
    at: float = 0.0  # when the claim was taken (loop time): the lease counts from then


def _claimed_here(application: AnyApp) -> dict[int, Claimed]:
    """update_id → what this process's worker claimed of it, until its handlers start."""
    return application.bot_data.setdefault("claimed_here", {})  # type: ignore[no-any-return]


def _fresh_claim(application: AnyApp, update_id: int) -> Claimed | None:
    """The worker's claim of this update if it was taken so lately that it surely still holds
    (then start_update need not take it: a statement saved on almost every update); None for an
    update not claimed here, or long queued behind its chat (it renews the claim)."""
    claimed = _claimed_here(application).pop(update_id, None)
    if claimed is None:
        return None
    lease = claim_of(application).lease.total_seconds()
    return claimed if asyncio.get_running_loop().time() - claimed.at < lease / 2 else None


def _running_elsewhere(application: AnyApp, update_id: int) -> bool:
    """Whether another task of this process handles this update now; else it becomes ours."""
    tasks = _in_flight(application)
    current = asyncio.current_task()
    other = tasks.get(update_id)
    if other is not None and other is not current and not other.done():
        return True
    if current is not None:
        tasks[update_id] = current
    return False


async def claim_update(update: Update, context: BotContext) -> None:
    """Claims the update and reads its chat's states, or stops it (group -3, before all else)."""
    application = context.application
    update_id = update.update_id
    if _running_elsewhere(application, update_id):
        log.info("update %s is already being handled here; skipped", update_id)
        raise ApplicationHandlerStop
    claimed = _fresh_claim(application, update_id)
    if claimed is not None and claimed.start is not None:  # its states came with the claim
        apply_start(application, update, claimed.start)
        return
    claim = None if claimed is not None else claim_of(application)
    user = update.effective_user
    # with no claim to take, reading the states is one SELECT: it needs no transaction
    run = context.db.run if claim is not None else context.db.read
    try:
        start = await run(
            start_update,
            update_id=update_id,
            claim=claim,
            conversations=state_keys(application, update),
            user_id=user.id if user is not None else None,
        )
    except Exception:  # no claim, no handlers: a stored update is tried again after its lease
        log.exception("update %s could not be claimed; not handled now", update_id)
        _in_flight(application).pop(update_id, None)
        raise ApplicationHandlerStop from None
    if not start.claimed:
        log.info("update %s was handled or is being handled elsewhere; skipped", update_id)
        _in_flight(application).pop(update_id, None)
        raise ApplicationHandlerStop
    apply_start(application, update, start)


skip_handled = claim_update  # its name before claims existed


async def finish_update(update: Update, context: BotContext) -> None:
    """After every other handler: writes what the update changed and marks it handled, at once.

    Conversation states, user_data (this update's chat and user only) and the "handled" mark go
    in one transaction, so a crash leaves either all of them or none (and then the update is
    handled again).
    """
    changes = update_changes(context.application, update)
    # most updates change no state: then the mark alone is one statement, needing no transaction
    save = context.db.run if changes else context.db.run_one
    await save(save_changes, changes=changes, handled_update_id=update.update_id)
    _in_flight(context.application).pop(update.update_id, None)


async def prune_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: forgets update ids handled more than a week ago."""
    removed = await context.application.bot_data["db"].run(prune_updates)
    if removed:
        log.info("forgot %s handled update ids", removed)


class UpdateWorker:
    """Claims stored, unhandled updates, oldest first, and hands them to the update processor.

    The processor runs them concurrently across chats and in order within a chat; the worker
    claims no more than the processor can run at once, so a claimed update waits little.
    """

    def __init__(self, application: AnyApp, batch: int | None = None) -> None:
        self.application = application
        self.db = application.bot_data["db"]
        self.batch = batch or CLAIM_BATCH
        settings = application.bot_data.get("settings")
        self.capacity = getattr(settings, "max_concurrent_updates", 256)
        self._tasks: set[asyncio.Task[None]] = set()
        # chats and users of the tasks started here (a task tells the processor only once it runs)
        self._busy: Counter[Hashable] = Counter()
        self._fresh: dict[int, Update] = {}
        self._wakeup = asyncio.Event()
        self._wakeup.set()  # start by handling whatever a previous run left behind

    def wake(self, fresh: Iterable[Update] = ()) -> None:
        """Tells the worker that new updates have been stored (or a slot came free).

        `fresh`: the stored updates as PTB already parsed them (polling), so that the worker does
        not parse each one a second time from its stored JSON (about 0.8 ms of CPU per update).
        """
        for update in fresh:
            self._fresh[update.update_id] = update
        while len(self._fresh) > FRESH_KEPT:  # claimed elsewhere: the oldest go
            del self._fresh[next(iter(self._fresh))]
        self._wakeup.set()

    async def run(self) -> None:
        """Handles stored updates until cancelled."""
        try:
            while True:
                with contextlib.suppress(TimeoutError):  # (wait_for could swallow a cancel)
                    async with asyncio.timeout(SCAN_EVERY):
                        await self._wakeup.wait()
                self._wakeup.clear()
                try:
                    await self.drain()
                except Exception:  # the database is away: try again shortly
                    log.exception("stored updates could not be claimed; retrying")
                    await asyncio.sleep(RETRY_PAUSE)
                    self._wakeup.set()
        finally:
            await self.wait()

    async def drain(self) -> int:
        """Claims what there is room for and starts handling it; returns how many it started."""
        started = 0
        claimed_here = _claimed_here(self.application)
        while (room := min(self.batch, self.capacity - len(self._tasks))) > 0:
            claimed_at = asyncio.get_running_loop().time()  # the lease counts from before
            batch = await self.db.run(self._claim, limit=room, busy=self._busy_keys())
            for claimed in batch:
                self._fresh.pop(claimed.update_id, None)
                claimed.at = claimed_at
                claimed_here[claimed.update_id] = claimed
                self._start(claimed)
            started += len(batch)
            if len(batch) < room:
                break
        return started

    async def drain_all(self) -> int:
        """Handles every stored update there is now and waits for them (start-up, tests)."""
        handled = 0
        while started := await self.drain():
            handled += started
            await self.wait()
        await self.wait()
        return handled

    async def wait(self) -> None:
        """Waits until every update started so far is done."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _claim(self, *, session: Session, limit: int, busy: frozenset[Hashable]) -> list[Claimed]:
        """Claims up to `limit` stored updates and reads the states of those whose chat and user
        are not `busy` here (nor taken by an earlier one of the batch), in one transaction."""
        claimed = [
            Claimed(update_id, payload, self._parsed(update_id, payload))
            for update_id, payload in claim_stored(
                session=session, claim=claim_of(self.application), limit=limit
            )
        ]
        taken, wanted = set(busy), {}
        for one in claimed:
            if one.update is None:
                continue
            keys = update_keys(one.update)
            if taken.isdisjoint(keys):
                wanted[one.update_id] = self._state_keys(one.update)
            taken.update(keys)
        starts = read_starts(session=session, wanted=wanted) if wanted else {}
        for one in claimed:
            one.start = starts.get(one.update_id)
        return claimed

    def _parsed(self, update_id: int, payload: dict[str, Any]) -> Update | None:
        """The update as PTB reads it (polling parsed it already), or None if it cannot."""
        fresh = self._fresh.get(update_id)  # only read here: the loop owns the dict
        if fresh is not None:
            return fresh
        try:
            return Update.de_json(payload, self.application.bot)
        except Exception:  # a poison update: `handle` logs it and marks it handled
            return None

    def _state_keys(self, update: Update) -> tuple[list[NameKey], int | None]:
        """The conversation states and the user whose scratch an update starts with."""
        user = update.effective_user
        return state_keys(self.application, update), user.id if user is not None else None

    def _busy_keys(self) -> frozenset[Hashable]:
        """The chats and users with an update in hand in this process: their states may change."""
        processor = self.application.update_processor
        pending = (
            processor.pending_keys() if isinstance(processor, SequentialUpdateProcessor) else ()
        )
        return frozenset(self._busy) | frozenset(pending)

    def _start(self, claimed: Claimed) -> None:
        """Starts handling one claimed update in its own task."""
        keys = update_keys(claimed.update)
        self._busy.update(keys)
        task = asyncio.create_task(self.handle(claimed), name=f"update-{claimed.update_id}")
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._done(done, keys))

    def _done(self, task: asyncio.Task[None], keys: tuple[Hashable, ...]) -> None:
        """Forgets a finished task and lets the worker claim more."""
        self._tasks.discard(task)
        self._busy.subtract(keys)
        for key in keys:
            if self._busy[key] <= 0:
                del self._busy[key]
        self._wakeup.set()

    async def handle(self, claimed: Claimed) -> None:
        """Handles one stored update through the processor; a poison update is marked handled."""
        application, update_id = self.application, claimed.update_id
        try:
            update = claimed.update or Update.de_json(claimed.payload, application.bot)
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        except Exception:  # a poison update must not block every later one
            log.exception("stored update %s failed; marked handled", update_id)
            await self.db.run(mark_handled, update_id=update_id)
        finally:
            _claimed_here(application).pop(update_id, None)

"""Start-up work shared by every way of running the bot, and long polling without loss.

PTB's Updater confirms a getUpdates batch (by asking for the next offset) before the Application
has handled it, so a crash loses the rest of the batch. Here polling works like the webhook: each
fetched batch is stored in `telegramupdate` before the next getUpdates confirms it, and the
`UpdateWorker` claims the stored updates and hands them to the update processor. A kill -9 at
any moment loses nothing: before the store, Telegram still holds the batch (it was not
confirmed); after it, the next start handles the stored updates first.

On SQLite one bot process per database file is all the engine can vouch for (a second one would
share the file but not the process's view of it), so `single_instance` refuses a second one.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import sys
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.config import Settings
from bot.db import Database
from bot.i18n import compile_catalogs
from bot.jobs import start_jobs
from bot.memory import settle_memory
from bot.migrate import head_revision, prepare
from bot.updates import AnyApp, UpdateWorker
from bot.webapp.server import start_local
from models.catalog.samples import load_sample_catalog
from models.core.updates import release_claims, store_updates

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "pre_checkout_query"]
POLL_TIMEOUT = 50  # seconds Telegram holds a getUpdates open when nothing is waiting
READ_SLACK = 10.0  # seconds a long poll may take beyond POLL_TIMEOUT before it counts as lost
RETRY_PAUSE = 3.0
_held_locks: list[IO[str]] = []  # open for the life of the process: closing one frees it
# Poller.fetch asks for getUpdates by name on purpose (for the raw JSON): PTB's advice to use
# Bot.get_updates instead is not for it.
warnings.filterwarnings("ignore", "Please use 'Bot.getUpdates'", PTBUserWarning)


def open_database(settings: Settings) -> Database:
    """Compiles stale catalogs, migrates the schema and loads the sample catalog on first run."""
    for path in compile_catalogs():
        log.info("compiled %s", path)
    db = Database(settings.database_url, threads=settings.database_threads)
    before = prepare(db, auto_migrate=settings.auto_migrate)
    if before != head_revision():
        log.info("database schema upgraded from %s to %s", before or "nothing", head_revision())
    if db.call(load_sample_catalog):
        log.info("loaded the sample catalog")
    return db


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL and in-memory SQLite)."""
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return None
    return Path(url.removeprefix("sqlite:///"))


def single_instance(settings: Settings, db: Database) -> str | None:
    """On SQLite, takes the one-bot-process lock; returns why it cannot, or None."""
    path = sqlite_path(settings.database_url)
    if path is None:
        return None
    lock_path = path.with_name(path.name + ".lock")
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        return (
            f"another bot process ({holder}) already runs on {path}; SQLite allows one per "
            "database (use PostgreSQL to run several)"
        )
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    _held_locks.append(handle)
    if freed := db.call(release_claims):  # nobody else can be handling them: no lease to wait
        log.info("took over %s updates a stopped process had claimed", freed)
    return None


class Poller:
    """Long polling that stores each fetched batch before the next getUpdates confirms it."""

    def __init__(self, application: AnyApp, worker: UpdateWorker, timeout: int = POLL_TIMEOUT):
        self.application = application
        self.worker = worker
        self.timeout = timeout
        self.offset: int | None = None

    async def fetch(self) -> int:
        """Fetches one batch (confirming the previous one), stores it, wakes the worker."""
        bot = self.application.bot
        # The batch as Telegram sent it, stored as it is and parsed once: PTB's get_updates would
        # parse it, and writing the parsed updates back to JSON cost 0.1 ms of CPU per update.
        payloads: list[dict[str, Any]] = await bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": self.offset,
                "timeout": self.timeout,
                "allowed_updates": ALLOWED_UPDATES,
            },
            read_timeout=self.timeout + READ_SLACK,
        )
        if not payloads:
            return 0
        updates = Update.de_list(payloads, bot)
        await self.application.bot_data["db"].run(store_updates, payloads=payloads)
        self.offset = max(update.update_id for update in updates) + 1  # only now: stored
        self.worker.wake(updates)
        return len(updates)

    async def run(self) -> None:
        """Fetches until cancelled; network and database trouble are waited out."""
        while True:
            try:
                await self.fetch()
            except InvalidToken:
                raise
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
            except (TelegramError, OSError) as exc:
                log.warning("getUpdates failed (%s); retrying", exc)
                await asyncio.sleep(RETRY_PAUSE)
            except Exception:  # the database is away: the batch is fetched again
                log.exception("a fetched batch could not be stored; fetching it again")
                await asyncio.sleep(RETRY_PAUSE)


def _seconds(value: Any) -> float:
    """RetryAfter's wait in seconds (an int or a timedelta, by PTB version)."""
    return float(value.total_seconds() if hasattr(value, "total_seconds") else value)


async def start_polling(application: AnyApp) -> tuple[Poller, list[asyncio.Task[None]]]:
    """Handles every stored update first, then polls; the Application must be started."""
    await application.bot.delete_webhook()  # getUpdates is refused while a webhook is set
    worker = UpdateWorker(application)
    handled = await worker.drain_all()
    if handled:
        log.info("handled %s updates a previous run had stored", handled)
    settle_memory()  # start-up is over
    poller = Poller(application, worker)
    tasks = [
        asyncio.create_task(worker.run(), name="stored-updates"),
        asyncio.create_task(poller.run(), name="get-updates"),
    ]
    return poller, tasks


async def stop_polling(tasks: list[asyncio.Task[None]]) -> None:
    """Stops fetching first, then lets the worker finish the updates in hand."""
    for task in reversed(tasks):
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def poll(application: AnyApp, stop: asyncio.Event) -> None:
    """Polls until `stop` is set, then shuts down cleanly."""
    async with application:
        if application.post_init is not None:  # run_polling would call it: the command list
            await application.post_init(application)
        await start_jobs(application)  # the JobQueue: outbox, expiry, pruning
        _poller, tasks = await start_polling(application)
        webapp = await start_local(application, application.bot_data["settings"])  # Mini App
        log.info("long polling")
        await stop.wait()
        log.info("stopping long polling")
        if webapp is not None:
            webapp.stop()
        await stop_polling(tasks)
        await application.stop()


def run_until_stopped(
    settings: Settings, db: Database, serve: Callable[[AnyApp, asyncio.Event], Awaitable[None]]
) -> int:
    """Builds the Application and runs `serve` until SIGTERM or Ctrl-C (polling and webhook)."""
    from bot.app import build_application

    if problem := single_instance(settings, db):
        print(f"database error: {problem}", file=sys.stderr)
        return 2
    application = build_application(settings, db, polling=False)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(application, stop)

    asyncio.run(main())
    return 0


def run_polling(settings: Settings, db: Database) -> int:
    """`python -m bot run`: long polling until SIGTERM or Ctrl-C."""
    return run_until_stopped(settings, db, poll)

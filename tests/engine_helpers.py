"""Shared pieces of the engine tests: a Bot API that lets other updates run while it answers,
Applications on one database (as separate processes would be), and the update processor."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select
from telegram import Update
from telegram.ext import BaseHandler

from bot.app import App, build_application
from bot.config import Settings
from bot.db import Database
from bot.offline import OfflineBotAPI
from models.core.updates import TelegramUpdate
from tests.harness import Harness


class YieldingBotAPI(OfflineBotAPI):
    """The offline Bot API, but every call gives way to other tasks first, as a round trip does."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pauses = itertools.cycle([0.0, 0.001, 0.0, 0.002, 0.0005])

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Answers after a short pause (different from call to call)."""
        await asyncio.sleep(next(self._pauses))
        return await super().do_request(url, method, *args, **kwargs)


def same_database(db: Database) -> Database:
    """Another engine on the same database: what a second process would open."""
    return Database(db.url, db.schema)


def _select_one(*, session: Session) -> None:
    """A statement, to open a pooled connection."""
    session.execute(text("SELECT 1"))


async def open_connections(*databases: Database) -> None:
    """Opens each database's pooled connections, one per worker thread, as a process that has
    been running a while has them (a fresh one would lose every race while it connects)."""
    await asyncio.gather(*(db.run(_select_one) for db in databases for _ in range(db.threads)))


@asynccontextmanager
async def running(
    settings: Settings,
    db: Database,
    api: OfflineBotAPI | None = None,
    handlers: Callable[[], list[tuple[BaseHandler[Any, Any, Any], int]]] | None = None,
    **changes: Any,
) -> AsyncIterator[Harness]:
    """An initialised Application offline (its own "process"), with extra handlers first."""
    api = api if api is not None else YieldingBotAPI()
    app = build_application(replace(settings, **changes), db, request=api, rate_limit=False)
    for handler, group in handlers() if handlers else []:
        app.add_handler(handler, group=group)
        if group == 0:
            app.handlers[0].insert(0, app.handlers[0].pop())  # before the catch-alls
    async with app:
        yield Harness(app, api, db)


async def through_processor(app: App, data: dict[str, Any], after: float = 0.0) -> None:
    """Hands one update to the Application's update processor, as polling and webhook do
    (`after` seconds from now)."""
    if after:
        await asyncio.sleep(after)
    update = Update.de_json(data, app.bot)
    await app.update_processor.process_update(update, app.process_update(update))


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Waits until `condition()` holds (other tasks run meanwhile)."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def update_rows(db: Database) -> dict[int, TelegramUpdate]:
    """Every stored update row by id."""
    with db.session() as session:
        return {row.update_id: row for row in session.exec(select(TelegramUpdate)).all()}


def replies_by_chat(*apis: OfflineBotAPI) -> dict[int, list[str]]:
    """chat id → the texts sent to it, in order, over every given Bot API."""
    found: dict[int, list[str]] = {}
    for api in apis:
        for call in api.sent("sendMessage"):
            found.setdefault(int(call.params["chat_id"]), []).append(call.params["text"])
    return found

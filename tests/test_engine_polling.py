"""Polling without loss: a fetched batch is stored before the next getUpdates confirms it, so a
process that dies between fetching and handling loses nothing; the next one handles it first."""

from __future__ import annotations

from typing import Any

import pytest

from bot import runtime
from bot.config import Settings
from bot.db import Database
from bot.offline import OfflineBotAPI
from bot.updates import UpdateWorker
from models.core.updates import store_updates
from tests.engine_helpers import replies_by_chat, running, same_database, until, update_rows
from tests.factories import TgUser, make_command_update


async def test_a_batch_fetched_before_a_crash_is_handled_first_by_the_next_process(
    settings: Settings, db: Database
) -> None:
    users = [TgUser(id=8000 + n, first_name=f"P{n}", language_code="en") for n in range(4)]
    batch = [make_command_update(user, "/start") for user in users[:3]]
    telegram = OfflineBotAPI()  # Telegram's side: it keeps what was not confirmed
    telegram.queue_incoming(*batch)
    async with running(settings, db, api=telegram) as first:
        poller = runtime.Poller(first.app, UpdateWorker(first.app), timeout=0)
        assert await poller.fetch() == 3
        assert await poller.fetch() == 0  # this call confirms the batch to Telegram
        # ... and the process is killed here, before any of the batch was handled
    assert telegram.incoming == [] and telegram.sent("sendMessage") == []
    later = make_command_update(users[3], "/start")
    telegram.queue_incoming(later)
    restarted = same_database(db)
    try:
        async with running(settings, restarted, api=telegram) as second:
            _poller, tasks = await runtime.start_polling(second.app)
            await until(lambda: len(telegram.sent("sendMessage")) == 4)
            await runtime.stop_polling(tasks)
    finally:
        restarted.dispose()
    chats = [int(call.params["chat_id"]) for call in telegram.sent("sendMessage")]
    # the stored batch first (its chats side by side, so in any order among them), then the new
    assert sorted(chats[:3]) == [user.id for user in users[:3]] and chats[3] == users[3].id
    assert {chat: len(texts) for chat, texts in replies_by_chat(telegram).items()} == {
        user.id: 1 for user in users
    }
    rows = update_rows(db)
    assert sorted(rows) == sorted(data["update_id"] for data in [*batch, later])
    assert all(row.handled_at is not None and row.payload is None for row in rows.values())


async def test_a_batch_fetched_again_after_a_crash_is_answered_once(
    settings: Settings, db: Database, ann: TgUser
) -> None:
    update = make_command_update(ann, "/start")
    telegram = OfflineBotAPI()
    telegram.queue_incoming(update)
    async with running(settings, db, api=telegram) as first:
        await runtime.Poller(first.app, UpdateWorker(first.app), timeout=0).fetch()
        # killed before confirming: Telegram hands the same update out again
    async with running(settings, db, api=telegram) as second:
        _poller, tasks = await runtime.start_polling(second.app)
        await until(lambda: telegram.incoming == [])  # confirmed at last
        await until(lambda: all(r.handled_at for r in update_rows(db).values()))
        await runtime.stop_polling(tasks)
    assert len(telegram.sent("sendMessage")) == 1


async def test_poll_serves_until_stopped_and_stops_cleanly(
    settings: Settings, db: Database, noy: TgUser
) -> None:
    import asyncio

    from bot.app import build_application

    telegram = OfflineBotAPI()
    telegram.queue_incoming(make_command_update(noy, "/start"))
    application = build_application(settings, db, request=telegram, rate_limit=False)
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.poll(application, stop))
    await until(lambda: bool(telegram.sent("sendMessage")))
    assert telegram.sent("deleteWebhook") and telegram.sent("setMyCommands")
    stop.set()
    await asyncio.wait_for(task, 10)
    assert not application.running
    assert "ສະບາຍດີ" in telegram.sent("sendMessage")[0].params["text"]


async def test_a_fetched_update_is_handled_as_fetched_not_parsed_again(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker hands on the Update object polling parsed; only a stored one is parsed again
    (parsing is most of an update's CPU after the handlers)."""
    from telegram import Update

    from bot import updates

    parsed: list[int] = []

    class CountingUpdate(Update):
        @classmethod
        def de_json(cls, data: Any, bot: Any = None) -> Update:
            parsed.append(data["update_id"])
            return Update.de_json(data, bot)

    monkeypatch.setattr(updates, "Update", CountingUpdate)
    users = [TgUser(id=8100 + n, first_name=f"F{n}", language_code="en") for n in range(3)]
    telegram = OfflineBotAPI()
    telegram.queue_incoming(*[make_command_update(user, "/start") for user in users])
    async with running(settings, db, api=telegram) as harness:
        worker = UpdateWorker(harness.app)
        assert await runtime.Poller(harness.app, worker, timeout=0).fetch() == 3
        assert await worker.drain_all() == 3
        assert parsed == []  # handled as fetched
        stored = make_command_update(users[0], "/help")  # stored by another process
        harness.app.bot_data["db"].call(store_updates, payloads=[stored])
        assert await worker.drain_all() == 1
    assert parsed == [stored["update_id"]]
    assert len(telegram.sent("sendMessage")) == 4

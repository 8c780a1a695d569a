"""Each update has its effect once: a repeated update is skipped, a crashed one is redone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select
from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from models.core.base import utcnow
from models.core.outbox import Notification, notify
from models.core.updates import TelegramUpdate, mark_handled, prune_updates, store_update
from tests.factories import TgUser, make_command_update
from tests.harness import Harness


def add_command(bot: Harness, name: str, callback: Any) -> None:
    """Adds a command handler before the catch-alls."""
    bot.app.add_handler(CommandHandler(name, callback), group=0)
    bot.app.handlers[0].insert(0, bot.app.handlers[0].pop())


async def queue_gift(update: Update, context: BotContext) -> None:
    """An effect that is visible in the DB: one notification per handled update."""
    assert update.effective_user is not None
    await context.db.run(notify, user_id=update.effective_user.id, kind="gift")
    await update.effective_message.reply_text("queued")  # type: ignore[union-attr]


def gifts(bot: Harness) -> int:
    """How many gift notifications exist."""
    with bot.db.session() as session:
        return len(session.exec(select(Notification).where(Notification.kind == "gift")).all())


def handled_ids(bot: Harness) -> dict[int, bool]:
    """update_id → whether it is marked handled."""
    with bot.db.session() as session:
        rows = session.exec(select(TelegramUpdate)).all()
    return {row.update_id: row.handled_at is not None for row in rows}


async def test_same_update_twice_has_one_reply_and_one_effect(bot: Harness, ann: TgUser) -> None:
    add_command(bot, "gift", queue_gift)
    data = make_command_update(ann, "/gift")
    first = await bot.send(data)
    second = await bot.send(data)
    assert [c.method for c in first] == ["sendMessage"]
    assert second == []
    assert gifts(bot) == 1
    assert handled_ids(bot) == {data["update_id"]: True}


async def test_start_repeated_is_answered_once(bot: Harness, li: TgUser) -> None:
    data = make_command_update(li, "/start")
    await bot.send(data)
    await bot.send(data)
    assert len(bot.api.sent("sendMessage")) == 1


async def test_update_that_crashed_midway_is_handled_again(bot: Harness, ann: TgUser) -> None:
    crash = {"on": True}

    async def flaky(update: Update, context: BotContext) -> None:
        await queue_gift(update, context)
        if crash["on"]:
            raise asyncio.CancelledError  # the process dies mid-update: nothing after runs

    add_command(bot, "gift", flaky)
    data = make_command_update(ann, "/gift")
    with pytest.raises(asyncio.CancelledError):
        await bot.send(data)
    assert handled_ids(bot) == {data["update_id"]: False}  # claimed before it ran, not handled
    crash["on"] = False
    await bot.send(data)
    await bot.send(data)
    assert handled_ids(bot) == {data["update_id"]: True}
    assert gifts(bot) == 2  # redone once after the crash, not a third time


async def test_failing_handler_still_marks_the_update(bot: Harness, ann: TgUser) -> None:
    async def explode(update: Update, context: BotContext) -> None:
        raise RuntimeError("boom")

    add_command(bot, "explode", explode)
    data = make_command_update(ann, "/explode")
    await bot.send(data)
    await bot.send(data)  # the user was told once; a poison update is not retried forever
    assert len(bot.api.sent("sendMessage")) == 1
    assert handled_ids(bot) == {data["update_id"]: True}


def backdate(bot: Harness, update_id: int, **values: Any) -> None:
    """Moves an update's timestamps into the past."""
    statement = update(TelegramUpdate).where(TelegramUpdate.update_id == update_id)  # type: ignore[arg-type]
    with bot.db.session() as session:
        session.exec(statement.values(**values))  # type: ignore[call-overload]
        session.commit()


def test_old_handled_ids_are_pruned(bot: Harness) -> None:
    for update_id in (1, 2):
        bot.db.call(mark_handled, update_id=update_id)
    bot.db.call(store_update, update_id=3, payload={"update_id": 3})
    old = utcnow() - timedelta(days=8)
    backdate(bot, 1, handled_at=old)
    backdate(bot, 3, received_at=old)
    assert bot.db.call(prune_updates) == 1
    assert handled_ids(bot) == {2: True, 3: False}


def test_marking_twice_keeps_the_first_time(bot: Harness) -> None:
    bot.db.call(mark_handled, update_id=9)
    with bot.db.session() as session:
        first = session.get_one(TelegramUpdate, 9).handled_at
    bot.db.call(mark_handled, update_id=9)
    with bot.db.session() as session:
        assert session.get_one(TelegramUpdate, 9).handled_at == first

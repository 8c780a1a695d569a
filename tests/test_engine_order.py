"""The update processor: concurrent across chats, in order within a chat and within a user,
bounded in flight, and a flooding chat delays nobody but itself."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.config import Settings
from bot.context import BotContext
from bot.db import Database
from tests.engine_helpers import replies_by_chat, running, through_processor, until
from tests.factories import TgUser, make_command_update


class Probe:
    """Handlers that answer with their argument and count how many run at once."""

    def __init__(self) -> None:
        self.active = 0
        self.peak = 0
        self.entered = 0
        self.gate = asyncio.Event()
        self.by_user: dict[int, list[str]] = {}

    async def echo(self, update: Update, context: BotContext) -> None:
        """Replies with the number it was sent, after a round trip."""
        assert update.effective_message is not None and update.effective_user is not None
        self.active += 1
        self.peak = max(self.peak, self.active)
        number = (context.args or ["?"])[0]
        self.by_user.setdefault(update.effective_user.id, []).append(number)
        await update.effective_message.reply_text(number)
        self.active -= 1

    async def hold(self, update: Update, context: BotContext) -> None:
        """Waits at the gate (a slow update), then replies."""
        assert update.effective_message is not None
        self.entered += 1
        await self.gate.wait()
        await update.effective_message.reply_text((context.args or ["?"])[0])

    def handlers(self) -> list[tuple[BaseHandler[Any, Any, Any], int]]:
        """/n N answers N; /hold N waits for the gate first."""
        return [(CommandHandler("n", self.echo), 0), (CommandHandler("hold", self.hold), 0)]


def in_group(data: dict[str, Any], group_id: int) -> dict[str, Any]:
    """The same message, sent in a group chat instead of the private chat."""
    data["message"]["chat"] = {"id": group_id, "type": "group", "title": "Village"}
    return data


async def test_a_burst_in_each_chat_is_answered_in_order_while_chats_run_side_by_side(
    settings: Settings, db: Database
) -> None:
    probe = Probe()
    users = [TgUser(id=7100 + n, first_name=f"B{n}", language_code="en") for n in range(4)]
    bursts = [[make_command_update(user, f"/n {i}") for i in range(50)] for user in users]
    # one more user talks in a group and in private: in order as a user, across both chats
    mixed = TgUser(id=7199, first_name="Mix", language_code="en")
    both = [make_command_update(mixed, f"/n {i}") for i in range(20)]
    for i in range(0, 20, 2):
        in_group(both[i], -100500)
    arrivals = [data for round_ in zip(*bursts, strict=True) for data in round_] + both
    random.Random(12).shuffle(arrivals)
    arrivals.sort(key=lambda data: int(data["message"]["text"].split()[1]))  # each in order
    async with running(settings, db, handlers=probe.handlers) as bot:
        await asyncio.gather(*(through_processor(bot.app, data) for data in arrivals))
        replies = replies_by_chat(bot.api)
    for user in users:
        assert replies[user.id] == [str(i) for i in range(50)]
    assert probe.by_user[mixed.id] == [str(i) for i in range(20)]
    assert replies[-100500] == [str(i) for i in range(0, 20, 2)]
    assert probe.peak > 1  # chats did run side by side


async def test_a_flooding_chat_delays_only_itself_and_in_flight_is_bounded(
    settings: Settings, db: Database
) -> None:
    probe = Probe()
    flooder = TgUser(id=7201, first_name="Flood", language_code="en")
    others = [TgUser(id=7300 + n, first_name=f"O{n}", language_code="en") for n in range(6)]
    flood = [make_command_update(flooder, f"/hold {i}") for i in range(40)]
    async with running(settings, db, handlers=probe.handlers, max_concurrent_updates=4) as bot:
        held = [asyncio.create_task(through_processor(bot.app, data)) for data in flood]
        await until(lambda: probe.entered == 1)
        # the flood waits behind its own first update, holding no slot: others get through
        quick = make_command_update(others[0], "/n 1")
        await asyncio.wait_for(through_processor(bot.app, quick), 10)
        assert replies_by_chat(bot.api) == {others[0].id: ["1"]}
        # slow updates from other chats fill the slots up to the bound, and no further
        slow = [
            asyncio.create_task(through_processor(bot.app, make_command_update(user, "/hold x")))
            for user in others[1:]
        ]
        await until(lambda: probe.entered == 4)
        await asyncio.sleep(0.05)  # give a fifth one every chance to start (it must not)
        assert probe.entered == 4
        assert bot.app.update_processor.in_flight == 4  # type: ignore[attr-defined]
        probe.gate.set()
        await asyncio.gather(*held, *slow)
        replies = replies_by_chat(bot.api)
    assert replies[flooder.id] == [str(i) for i in range(40)]
    assert probe.entered == 40 + len(others) - 1

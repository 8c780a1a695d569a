"""Once the bot is ready, the garbage collector leaves the start-up heap alone and collects the
young generation less often (bot/memory.py): at a festival's peak it took 13 % of the CPU."""

from __future__ import annotations

import gc

from bot import runtime
from bot.config import Settings
from bot.db import Database
from bot.memory import YOUNG_THRESHOLD
from bot.offline import OfflineBotAPI
from bot.webhook import WebhookService
from tests.engine_helpers import running


async def test_polling_sets_the_start_up_heap_aside_once_it_is_ready(
    settings: Settings, db: Database
) -> None:
    async with running(settings, db, api=OfflineBotAPI()) as bot:
        assert gc.get_freeze_count() == 0
        _poller, tasks = await runtime.start_polling(bot.app)
        try:
            assert gc.get_freeze_count() > 10_000  # modules, metadata, translations, ...
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        finally:
            await runtime.stop_polling(tasks)


async def test_the_webhook_sets_the_start_up_heap_aside_once_it_is_ready(
    settings: Settings, db: Database
) -> None:
    async with running(settings, db, api=OfflineBotAPI()) as bot:
        service = WebhookService(bot.app, secret="s" * 32)
        await service.start("127.0.0.1", 0)
        try:
            assert gc.get_freeze_count() > 10_000
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        finally:
            await service.stop()

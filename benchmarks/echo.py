"""A bare python-telegram-bot echo bot: the floor the journeys are measured against."""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from benchmarks.driver import Driver
from benchmarks.journeys import users
from benchmarks.stats import RunFigures, peak_rss_mb
from bot.offline import OfflineBotAPI


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replies with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


async def run_echo(updates: int) -> RunFigures:
    """Processes `updates` text messages through a bare echo bot."""
    api = OfflineBotAPI()
    app = Application.builder().token("999000:echo").request(api).updater(None).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    people = users(max(1, updates // 5))
    async with app:
        driver = Driver(app, api)
        data = [driver.message(people[n % len(people)], f"hello {n}") for n in range(updates)]
        started = time.perf_counter()
        for item in data:
            await driver.process(item)
        seconds = time.perf_counter() - started
    return RunFigures(
        "bare echo bot (PTB floor)", updates, seconds, driver.latencies_ms, peak_rss_mb()
    )

"""Runs first for every update: cleans its text, records the user and resolves the language once.

Cleaning (bot/clean.py) happens here, in group -1, so that every dialogue (group 0) and this
user's row see text without NUL and other control characters.

The user's row is cached in memory for a minute, so a busy user costs one database round trip a
minute, not one per tap. Code that changes a user's role or language calls `remember` or `forget`
so this process never acts on a stale role.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from telegram import Update
from telegram import User as TelegramUser

from bot.clean import clean_update
from bot.context import BotContext
from bot.i18n import language_from_code
from models.core.user import User, touch_user

CACHE_SECONDS = 60.0
CACHE_SIZE = 50_000


def _cache(context: BotContext) -> OrderedDict[int, tuple[float, tuple[Any, ...], User]]:
    """The per-process cache of user rows: id → (fetched at, Telegram fields, row)."""
    return context.bot_data.setdefault("accounts", OrderedDict())  # type: ignore[no-any-return]


def fields_of(sender: TelegramUser) -> tuple[Any, ...]:
    """What of the sender's Telegram profile a cached row was made from (a change reloads it)."""
    return (sender.first_name, sender.last_name, sender.username, sender.language_code)


def remember(context: BotContext, account: User, fields: tuple[Any, ...] = ()) -> None:
    """Caches a fresh copy of a user's row (after this process changed it)."""
    cache = _cache(context)
    cache[account.id] = (time.monotonic(), fields, account)
    cache.move_to_end(account.id)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


def forget(context: BotContext, user_id: int) -> None:
    """Drops a user's cached row, so the next update reads it from the database."""
    _cache(context).pop(user_id, None)


async def load_user(update: Update, context: BotContext) -> None:
    """Cleans the update, records the sender, sets `context.lang` and `context.account`."""
    clean_update(update)
    sender = update.effective_user
    if sender is None or sender.is_bot:
        return
    fields = fields_of(sender)
    cached = _cache(context).get(sender.id)
    if cached and cached[1] == fields and time.monotonic() - cached[0] < CACHE_SECONDS:
        account = cached[2]
    else:
        settings = context.settings
        account = await context.db.run(
            touch_user,
            telegram_id=sender.id,
            first_name=sender.first_name or "",
            last_name=sender.last_name,
            username=sender.username,
            language_code=sender.language_code,
            language=language_from_code(sender.language_code, settings.default_language),
            is_admin=settings.is_admin(sender.id),
        )
        remember(context, account, fields)
    context.account = account
    context.lang = account.language

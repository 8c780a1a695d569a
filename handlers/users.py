"""Runs first for every update: records the user and resolves the language once."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext
from bot.i18n import language_from_code
from models.user import touch_user


async def load_user(update: Update, context: BotContext) -> None:
    """Creates or refreshes the sender's row and sets `context.lang` and `context.account`."""
    sender = update.effective_user
    if sender is None or sender.is_bot:
        return
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
    context.account = account
    context.lang = account.language

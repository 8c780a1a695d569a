"""The one error handler: log the failure with its update id, apologise in the user's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.i18n import language_from_code, translator
from models.core.user import get_user

log = logging.getLogger("bot.errors")


async def handle_error(update: object, context: BotContext) -> None:
    """Logs the exception and tells the user that something went wrong."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = await _language_of(update, context)
    tr = translator(language)
    text = tr._("Sorry, something went wrong on our side. Please try again in a moment.")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not tell the user of update %s about the error", update_id)


async def _language_of(update: Update, context: BotContext) -> str:
    """The language of the update's sender, read fresh from the database."""
    default = context.settings.default_language
    sender = update.effective_user
    if sender is None:
        return default
    try:
        account = await context.db.run(get_user, telegram_id=sender.id)
    except Exception:  # the database may be what failed
        account = None
    if account is not None:
        return account.language
    return language_from_code(sender.language_code, default)

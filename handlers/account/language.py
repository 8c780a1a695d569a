"""/language: switch between 中文, ລາວ and English at once."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.commands import set_chat_commands
from bot.config import LANGUAGES
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES
from handlers.account.start import main_menu
from handlers.kit import routes
from handlers.kit.common import button, keyboard, menu_row, show
from handlers.kit.users import fields_of, remember
from models.core.user import set_language


async def choose_language(update: Update, context: BotContext) -> None:
    """Offers the three languages."""
    buttons = [
        button(LANGUAGE_NAMES[lang], routes.LANGUAGE_SET.data(code=lang)) for lang in LANGUAGES
    ]
    text = context.tr._("Choose your language:")
    await show(update, context, text, keyboard(buttons, menu_row(context)))


async def set_user_language(update: Update, context: BotContext) -> None:
    """Stores the chosen language and answers in it."""
    code = routes.text_field(context, "code")  # one of LANGUAGES: the route allows no other
    assert update.effective_user is not None
    account = await context.db.run(
        set_language, telegram_id=update.effective_user.id, language=code
    )
    context.account, context.lang = account, code
    remember(context, account, fields_of(update.effective_user))  # the row as just written
    text = context.tr._("Done: I will speak English with you.")
    shown = show(update, context, text, main_menu(context))
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        await shown
        return
    # the chat's command menu changes language alongside the reply, not after it
    await asyncio.gather(shown, set_chat_commands(context.bot, chat.id, code, account.role))


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """/language and its buttons."""
    return [
        CommandHandler("language", choose_language),
        routes.LANGUAGE.handler(choose_language),
        routes.LANGUAGE_SET.handler(set_user_language),
    ]

"""Ways into the storefront Mini App: the chat's menu button and an "Open the shop" button.

Both exist only while the Mini App is on (WEBAPP_URL, an https address, is set). Telegram sets
a menu button per chat, not per language, so each private chat gets its own in its user's
language, once, and again when the language changes. Telegram keeps a chat's button until told
otherwise, so once the Mini App is off a chat that got one is given Telegram's default back.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, MenuButton, MenuButtonDefault, Update, WebAppInfo
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.context import BotContext
from bot.webapp import enabled, menu_button, page_url

log = logging.getLogger(__name__)

MENU_BUTTON_LANGUAGE = "menu_button_language"  # user_data: the language the chat's button has


def open_shop_row(update: Update, context: BotContext) -> list[InlineKeyboardButton]:
    """An "Open the shop" button in a private chat while the Mini App is on; else nothing."""
    chat = update.effective_chat
    if not enabled(context.settings) or chat is None or chat.type != ChatType.PRIVATE:
        return []
    label = "🛍 " + context.tr.pgettext("button", "Open the shop")
    return [InlineKeyboardButton(label, web_app=WebAppInfo(page_url(context.settings)))]


async def sync_menu_button(update: Update, context: BotContext) -> None:
    """Gives this private chat the shop menu button in its user's language, if it lacks it;
    takes it back once the Mini App is off."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    if context.account is None or context.user_data is None:
        return
    given = context.user_data.get(MENU_BUTTON_LANGUAGE)
    if not enabled(context.settings):
        if given is not None and await _set(context, chat.id, MenuButtonDefault()):
            del context.user_data[MENU_BUTTON_LANGUAGE]
        return
    if given == context.lang:
        return
    if await _set(context, chat.id, menu_button(context.settings, context.tr)):
        context.user_data[MENU_BUTTON_LANGUAGE] = context.lang


async def _set(context: BotContext, chat_id: int, button: MenuButton) -> bool:
    """Sets the chat's menu button; False if Telegram refused (tried again on the next update)."""
    try:
        await context.bot.set_chat_menu_button(chat_id=chat_id, menu_button=button)
    except TelegramError as exc:
        log.warning("menu button for chat %s not set: %s", chat_id, exc)
        return False
    return True

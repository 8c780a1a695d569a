"""Telegram's command menu and the bot's description, in every language and per chat.

Telegram's apps have no Lao interface, so a Lao user's client rarely reports `lo`: the lists
registered per `language_code` at start are a fallback, and a chat gets its own list
(`BotCommandScopeChat`) in the user's language when they choose it or are given a role.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot, BotCommand, BotCommandScopeChat, MenuButtonDefault
from telegram.error import TelegramError
from telegram.ext import Application

from bot.config import LANGUAGES, Settings
from bot.i18n import Translator, translator
from bot.webapp import enabled, is_shop_button, menu_button
from models.core.roles import staff_members
from models.core.user import Role

log = logging.getLogger(__name__)

Describe = Callable[[Translator], str]

# (command, its description in a language) — journeys add theirs here.
COMMANDS: list[tuple[str, Describe]] = [
    ("start", lambda tr: tr._("Main menu")),
    ("help", lambda tr: tr._("How to use this bot")),
    ("language", lambda tr: tr._("Change language")),
    ("cancel", lambda tr: tr._("Stop what you are doing")),
    ("mytrees", lambda tr: tr.pgettext("adopter", "My trees")),
    ("shop", lambda tr: tr._("Village shop")),
    ("cart", lambda tr: tr._("My cart")),
    ("orders", lambda tr: tr._("My orders")),
    ("track", lambda tr: tr._("Track an order by its number")),
    ("privacy", lambda tr: tr._("Privacy notice")),
    ("mydata", lambda tr: tr._("Get a copy of my data")),
    ("deletemydata", lambda tr: tr._("Delete my personal data")),
]

# Registered for farmers' and operators' own chats, and shown in /help to those who may use them.
FARMER_COMMANDS: list[tuple[str, Describe]] = [
    ("farmer", lambda tr: tr._("Farmer's menu: orders to pack, my trees, earnings")),
]
OPERATOR_COMMANDS: list[tuple[str, Describe]] = [
    ("ops", lambda tr: tr._("Back office")),
    ("confirm", lambda tr: tr._("Confirm an offline payment: /confirm REFERENCE")),
    ("stats", lambda tr: tr._("Sales and adoption figures with a chart")),
    ("export", lambda tr: tr._("CSV export: /export orders or /export adoptions")),
    ("broadcast", lambda tr: tr._("Send an announcement")),
    ("makeoperator", lambda tr: tr._("Make a user an operator: /makeoperator ID or @username")),
]


def commands_for(role: str) -> list[tuple[str, Describe]]:
    """The commands a role may use: everyone's, then the farmer's, then the operator's."""
    commands = list(COMMANDS)
    if role in (Role.FARMER, Role.OPERATOR):
        commands += FARMER_COMMANDS
    if role == Role.OPERATOR:
        commands += OPERATOR_COMMANDS
    return commands


def bot_commands(language: str, role: str = Role.BUYER) -> list[BotCommand]:
    """The command list of a role with descriptions in one language."""
    tr = translator(language)
    return [BotCommand(command, describe(tr)) for command, describe in commands_for(role)]


def description(tr: Translator) -> str:
    """What the bot does, shown in an empty chat ("What can this bot do?"; up to 512 characters)."""
    return tr._(
        "The village post office's shop. Adopt a tree for a season: its farmer looks after it, "
        "you get news of it, a certificate and a share of its harvest. Or order what the "
        "village grows, delivered in China or to Laos."
    )


def short_description(tr: Translator) -> str:
    """One line about the bot for its profile and shared links (up to 120 characters)."""
    return tr._("Adopt a tree or order the village's produce, from the village post office.")


async def set_chat_commands(bot: Bot, chat_id: int, language: str, role: str) -> None:
    """Gives one private chat the command menu of its user's role, in their language."""
    try:
        await bot.set_my_commands(
            bot_commands(language, role), scope=BotCommandScopeChat(chat_id=chat_id)
        )
    except TelegramError as exc:  # a chat that blocked the bot keeps its old menu
        log.warning("commands for chat %s not set: %s", chat_id, exc)


async def default_menu_button(bot: Bot, settings: Settings) -> None:
    """The shop's menu button for chats that have none of their own while the Mini App is on
    (chats get theirs in their own language); Telegram's default again once it is off."""
    if enabled(settings):
        await bot.set_chat_menu_button(
            menu_button=menu_button(settings, translator(settings.default_language))
        )
    elif is_shop_button(await bot.get_chat_menu_button()):  # left from when it was on
        await bot.set_chat_menu_button(menu_button=MenuButtonDefault())


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start: the default and per-language menus, the descriptions, and staff chats' menus."""
    bot = application.bot
    default = application.bot_data["settings"].default_language
    await bot.set_my_commands(bot_commands(default))
    for language in LANGUAGES:
        await bot.set_my_commands(bot_commands(language), language_code=language)
    # The default (no language_code) covers clients in other languages, Lao among them.
    await bot.set_my_description(description(translator(default)))
    await bot.set_my_short_description(short_description(translator(default)))
    for language in LANGUAGES:
        tr = translator(language)
        await bot.set_my_description(description(tr), language_code=language)
        await bot.set_my_short_description(short_description(tr), language_code=language)
    await default_menu_button(bot, application.bot_data["settings"])
    for member in await application.bot_data["db"].run(staff_members):
        await set_chat_commands(bot, member.id, member.language, member.role)

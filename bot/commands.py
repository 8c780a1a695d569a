"""The command list shown in Telegram's menu, registered once per language."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import Application

from bot.config import LANGUAGES
from bot.i18n import N_, translator

# (command, description) — journeys add theirs here.
COMMANDS: list[tuple[str, str]] = [
    ("start", N_("Main menu")),
    ("help", N_("How to use this bot")),
    ("language", N_("Change language")),
    ("cancel", N_("Stop what you are doing")),
    ("mytrees", N_("My adopted trees")),
    ("shop", N_("Village shop")),
    ("cart", N_("My cart")),
    ("orders", N_("My orders")),
    ("track", N_("Track an order by its number")),
    ("privacy", N_("Privacy notice")),
    ("mydata", N_("Get a copy of your data")),
    ("deletemydata", N_("Erase your personal data")),
]

# Shown in /help to those who may use them; not registered with Telegram for everyone.
FARMER_COMMANDS: list[tuple[str, str]] = [
    ("farmer", N_("Farmer's menu: orders to pack, my trees, earnings")),
]
OPERATOR_COMMANDS: list[tuple[str, str]] = [
    ("ops", N_("Back office")),
    ("confirm", N_("Confirm an offline payment: /confirm REFERENCE")),
    ("stats", N_("Sales and adoption figures with a chart")),
    ("export", N_("CSV export: /export orders or /export adoptions")),
    ("broadcast", N_("Send an announcement")),
    ("makeoperator", N_("Make a user an operator: /makeoperator ID or @username")),
]


def bot_commands(language: str) -> list[BotCommand]:
    """The command list with descriptions in one language."""
    tr = translator(language)
    return [BotCommand(command, tr._(description)) for command, description in COMMANDS]


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Registers the commands with Telegram: a default list and one per language."""
    default = application.bot_data["settings"].default_language
    await application.bot.set_my_commands(bot_commands(default))
    for language in LANGUAGES:
        await application.bot.set_my_commands(bot_commands(language), language_code=language)

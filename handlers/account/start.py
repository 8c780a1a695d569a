"""/start with its main menu, deep links that are not recognised, and /help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.commands import commands_for
from bot.context import BotContext
from bot.i18n import Translator
from handlers.account.helpdesk import contact_lines, write_button
from handlers.kit import routes
from handlers.kit.common import button, esc, keyboard, menu_row, show
from models.core.user import Role, User


@dataclass(frozen=True)
class MenuEntry:
    """One main-menu button: its label, the callback it sends, and who sees it."""

    label: Callable[[Translator], str]
    data: str
    visible: Callable[[User | None], bool] = lambda account: True


# Journeys add their entry here; a button for something not built must not exist.
MENU: list[MenuEntry] = [
    MenuEntry(lambda tr: "🌳 " + tr._("Adopt a tree"), routes.TREES.data()),
    MenuEntry(lambda tr: "🧺 " + tr._("Village shop"), routes.SHOP.data()),
    MenuEntry(lambda tr: "🍑 " + tr.pgettext("adopter", "My trees"), routes.MY_TREES.data()),
    MenuEntry(lambda tr: "📦 " + tr._("My orders"), routes.ORDERS.data()),
    MenuEntry(
        lambda tr: "🏤 " + tr._("Back office"),
        routes.BACK_OFFICE.data(),
        lambda account: account is not None and account.role == Role.OPERATOR,
    ),
    MenuEntry(
        lambda tr: "👩‍🌾 " + tr._("Farmer's menu"),
        routes.FARMER.data(),
        lambda account: account is not None and account.role == Role.FARMER,
    ),
    MenuEntry(lambda tr: "🌐 " + tr._("Language"), routes.LANGUAGE.data()),
    MenuEntry(lambda tr: "❓ " + tr._("Help"), routes.HELP.data()),
]


def main_menu(context: BotContext) -> InlineKeyboardMarkup:
    """The main menu for this user, two buttons a row."""
    entries = [e for e in MENU if e.visible(context.account)]
    buttons = [button(e.label(context.tr), e.data) for e in entries]
    return keyboard(*[buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def greeting(context: BotContext, name: str) -> str:
    """The welcome text, with the user's name escaped for HTML."""
    tr = context.tr
    return tr._(
        "Hello, {name}! 🍑\n"
        "This is the village post office's orchard shop. Adopt a tree for a season, "
        "or order what our village grows."
    ).format(name=f"<b>{esc(name)}</b>")


async def start(update: Update, context: BotContext) -> None:
    """Greets the user by name and shows the main menu."""
    user = update.effective_user
    name = user.first_name if user else ""
    text = greeting(context, name)
    if context.args:
        text = context.tr._("That link is not valid any more.") + "\n\n" + text
    await show(update, context, text, main_menu(context))


async def menu(update: Update, context: BotContext) -> None:
    """Shows the main menu again (the "Main menu" button)."""
    await show(update, context, context.tr._("What would you like to do?"), main_menu(context))


async def help_command(update: Update, context: BotContext) -> None:
    """Explains what the bot does and lists its commands."""
    tr = context.tr
    lines = [
        tr._("<b>How this bot works</b>"),
        tr._("Tap the buttons under a message, or send a command:"),
    ]
    role = context.account.role if context.account else Role.BUYER
    lines += [tr.then(f"/{command}", describe(tr)) for command, describe in commands_for(role)]
    lines += ["", *contact_lines(context)]
    text = "\n".join(lines)
    privacy = button("🔒 " + tr._("Privacy"), routes.PRIVACY_NOTICE.data())
    await show(
        update, context, text, keyboard([write_button(context)], [privacy], menu_row(context))
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """/start, /help and the main menu (deep links `/start <payload>` go before these)."""
    return [
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        routes.HELP.handler(help_command),
        routes.MENU.handler(menu),
    ]

"""Small pieces every journey uses: showing a screen, escaping user text, /cancel."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable
from typing import TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.i18n import Translator
from handlers.kit import routes
from handlers.kit.routes import Route
from models.privacy import is_erased

log = logging.getLogger(__name__)
T = TypeVar("T")


def esc(text: object) -> str:
    """Escapes user or catalog text for HTML parse mode (the bot's default)."""
    return html.escape(str(text), quote=False)


def person(tr: Translator, name: str | None) -> str:
    """A name (or an address, a phone) for a screen, escaped; once erased, a neutral label."""
    if is_erased(name):
        return tr._("(deleted)")
    return esc(name)


def button(text: str, data: str) -> InlineKeyboardButton:
    """An inline button with short ASCII callback data (Telegram allows 64 bytes)."""
    assert len(data.encode()) <= 64, data
    return InlineKeyboardButton(text, callback_data=data)


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of buttons (empty rows are dropped)."""
    return InlineKeyboardMarkup([row for row in rows if row])


def pager(
    context: BotContext, route: Route, page: int, pages: int, **fields: object
) -> list[InlineKeyboardButton]:
    """ "◀️ Previous" and "Next ▶️" of a paged list: `route` with these fields and that page."""
    tr = context.tr
    row = []
    if page > 0:
        previous = "◀️ " + tr.pgettext("button", "Previous")
        row.append(button(previous, route.data(**fields, page=page - 1)))
    if page + 1 < pages:
        row.append(
            button(tr.pgettext("button", "Next") + " ▶️", route.data(**fields, page=page + 1))
        )
    return row


def page_count(total: int, per_page: int) -> int:
    """How many pages `total` entries fill."""
    return max(1, -(-total // per_page))


def back_button(context: BotContext, data: str) -> InlineKeyboardButton:
    """A "Back" button that goes to the screen named by `data`."""
    return button("⬅️ " + context.tr.pgettext("button", "Back"), data)


def menu_row(context: BotContext) -> list[InlineKeyboardButton]:
    """The row that leads back to the main menu."""
    return [button("🏠 " + context.tr.pgettext("button", "Main menu"), routes.MENU.data())]


async def with_answer(update: Update, work: Awaitable[T]) -> T:
    """Runs `work` (the screen's edit or new message) while the tapped button's answer goes out.

    The answer only stops the button's spinner and depends on nothing else, so the two travel
    together: one round trip to Telegram instead of two before the user sees the screen. A
    button answered too late (Telegram forgets a query after a while) still gets its screen.
    """
    query = update.callback_query
    if query is None:
        return await work
    answer = asyncio.ensure_future(query.answer())
    await asyncio.sleep(0)  # the answer's request leaves first, as it did when awaited first
    try:
        return await work
    finally:
        try:
            await answer
        except BadRequest as exc:
            log.info("the button's answer was refused (%s)", exc)


async def show(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Answers a button press by editing its text message, anything else by a new message."""
    return await with_answer(update, _show(update, context, text, markup))


async def _show(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None
) -> Message | None:
    """The edit of the tapped text message, or else a new message."""
    query = update.callback_query
    message = query.message if query is not None else None
    if query is not None and isinstance(message, Message) and message.text is not None:
        try:
            result = await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                raise
            return message
        return result if isinstance(result, Message) else None
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def cancel(update: Update, context: BotContext) -> int:
    """Leaves the current dialogue without changing anything stored."""
    if context.user_data is not None:
        context.user_data.clear()
    text = context.tr._("Cancelled. Nothing was changed.")
    await show(update, context, text, keyboard(menu_row(context)))
    return ConversationHandler.END

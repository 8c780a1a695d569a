"""List → view → act: a page of items, one item's screen, and buttons that change the item.

The back office's orders, harvest shares and products, and the farmer's orders to pack, are all
shown this way. A module gives `show_item(update, context, item_id, notice)`, the screen of one
item after an optional line saying what just happened; `viewer` and `action` make the buttons
that show it and that change it, reading the item's id from the tapped route's `field`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, Update

from bot.context import BotContext
from handlers.kit.common import back_button, keyboard, menu_row, page_count, pager, show
from handlers.kit.roles import Callback
from handlers.kit.routes import Route, tapped

ShowItem = Callable[[Update, BotContext, int, str | None], Awaitable[None]]
Change = Callable[[Update, BotContext, int], Awaitable[str | None]]


def with_notice(text: str, notice: str | None) -> str:
    """A screen's text after the line in italics saying what just happened, if anything did."""
    return f"<i>{notice}</i>\n\n{text}" if notice else text


def viewer(show_item: ShowItem, field: str) -> Callback:
    """The button that opens an item's screen."""

    async def view(update: Update, context: BotContext) -> None:
        await show_item(update, context, tapped(context, field), None)

    view.__name__ = view.__qualname__ = f"view:{show_item.__name__}"
    return view


def action(show_item: ShowItem, field: str, change: Change) -> Callback:
    """A button that changes an item, then shows its screen with what happened (`change`'s
    notice; None: nothing to say)."""

    async def act(update: Update, context: BotContext) -> None:
        item_id = tapped(context, field)
        notice = await change(update, context, item_id)
        await show_item(update, context, item_id, notice)

    act.__name__ = act.__qualname__ = f"act:{change.__name__}"
    return act


async def show_missing(update: Update, context: BotContext, text: str, back: str) -> None:
    """The screen of an item that is not there (any more), with Back to its list."""
    await show(update, context, text, keyboard([back_button(context, back)]))


@dataclass
class Page:
    """One page of a back-office list: a title, an entry per item, a button per item."""

    title: str
    empty: str  # what the page says when there is nothing on it
    route: Route  # the list's route; its other pages are this route with `fields` and `page`
    page: int
    total: int
    per_page: int
    entries: list[str] = field(default_factory=list)
    buttons: list[list[InlineKeyboardButton]] = field(default_factory=list)
    fields: dict[str, object] = field(default_factory=dict)
    more: list[list[InlineKeyboardButton]] = field(default_factory=list)  # after the pager


async def show_page(update: Update, context: BotContext, page: Page, back: str) -> None:
    """Shows a page with ◀️ ▶️ to the others, `more`, Back (to `back`) and the main menu."""
    pages = page_count(page.total, page.per_page)
    lines = ["<b>" + page.title + "</b>", *(page.entries or [page.empty])]
    if page.total > page.per_page:
        lines.append(context.tr._("Page {page} of {pages}").format(page=page.page + 1, pages=pages))
    paging = pager(context, page.route, page.page, pages, **page.fields)
    markup = keyboard(
        *page.buttons, paging, *page.more, [back_button(context, back)], menu_row(context)
    )
    await show(update, context, "\n\n".join(lines), markup)

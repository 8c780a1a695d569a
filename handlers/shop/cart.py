"""The cart: quantities with + / − / remove or 1–10 at once, totals recomputed on every change.

Every cart button carries the cart's version; a tap on an older message re-shows the current
cart with a notice instead of applying numbers the user no longer sees.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from handlers.kit import routes
from handlers.kit.common import back_button, button, keyboard, menu_row, show
from handlers.shop.shelves import name_and_unit, prices_of
from models.shop.products import CartChange, CartView, change_cart, view_cart


def cart_text(context: BotContext, view: CartView, notice: str | None = None) -> str:
    """The cart's lines and subtotal."""
    tr = context.tr
    lines = [f"<i>{notice}</i>\n"] if notice else []
    if not view.lines:
        lines.append(tr._("Your cart is empty."))
        return "\n".join(lines)
    lines.append("🛒 <b>" + tr._("Your cart") + "</b>")
    for number, line in enumerate(view.lines, start=1):
        lines.append(f"{number}. {name_and_unit(context, line.product)}")
        price = tr.money(line.product.price_fen, line.currency)
        total = tr.money(line.total_fen, line.currency)
        lines.append(f"    {line.quantity} × {price} = {total}")
        if line.quantity > line.product.stock:
            left = tr._("Only {count} left in stock.").format(count=line.product.stock)
            lines.append(f"    ⚠️ {left}")
    lines.append("")
    subtotal = prices_of(context, view.subtotals)
    lines.append("<b>" + tr._("Subtotal: {amount}").format(amount=subtotal) + "</b>")
    lines.append(tr._("Shipping is added at checkout."))
    return "\n".join(lines)


def cart_markup(context: BotContext, view: CartView) -> InlineKeyboardMarkup:
    """➖ / ➕ / 🗑 and "🔢 1–10" per line (numbered as in the text when there are several),
    checkout, shopping, main menu."""
    tr, version = context.tr, view.version
    several = len(view.lines) > 1
    rows = []
    for number, line in enumerate(view.lines, start=1):
        less, more, remove, pick = line_labels(context, number if several else 0)
        data = {"product_id": line.product.id, "version": version}
        rows.append(
            [
                button(less, routes.CART_LESS.data(**data)),
                button(more, routes.CART_MORE.data(**data)),
                button(remove, routes.CART_REMOVE.data(**data)),
            ]
        )
        rows.append([button(pick, routes.CART_PICK.data(**data))])
    if view.lines:
        check_out = routes.CHECKOUT.data(version=version)
        rows.append([button("✅ " + tr.pgettext("button", "Check out"), check_out)])
    rows.append([button("🧺 " + tr.pgettext("button", "Continue shopping"), routes.SHOP.data())])
    return keyboard(*rows, menu_row(context))


def line_labels(context: BotContext, number: int) -> list[str]:
    """A cart line's ➖ Less, ➕ More, 🗑 Remove and 🔢 How many? buttons, with the line's
    number unless it is 0 (the only line)."""
    tr = context.tr
    if number:
        words = [
            tr.pgettext("button", "{number}: Less"),
            tr.pgettext("button", "{number}: More"),
            tr.pgettext("button", "{number}: Remove"),
            tr.pgettext("button", "{number}: How many? 1–10"),
        ]
        words = [word.format(number=number) for word in words]
    else:
        words = [
            tr.pgettext("button", "Less"),
            tr.pgettext("button", "More"),
            tr.pgettext("button", "Remove"),
            tr.pgettext("button", "How many? 1–10"),
        ]
    return [f"{emoji} {word}" for emoji, word in zip(("➖", "➕", "🗑", "🔢"), words, strict=True)]


async def show_picker(update: Update, context: BotContext) -> None:
    """The numbers 1 to 10 (at most what is in stock) for one line, the current one ticked."""
    assert update.effective_user is not None
    view = await context.db.run(view_cart, user_id=update.effective_user.id)
    product_id, version = routes.tapped(context, "product_id"), routes.tapped(context, "version")
    line = next((li for li in view.lines if li.product.id == product_id), None)
    tr = context.tr
    if line is None or view.version != version or line.product.stock < 1:
        notice = tr._("That message was out of date. Here is your cart now:")
        await show_view(update, context, view, notice)
        return
    numbers = [
        button(
            ("✅ " if count == line.quantity else "") + tr.number(count),
            routes.CART_SET.data(product_id=product_id, version=version, quantity=count),
        )
        for count in range(1, min(PICK_AT_MOST, line.product.stock) + 1)
    ]
    text = name_and_unit(context, line.product) + "\n" + tr._("How many? Tap a number.")
    back = back_button(context, routes.CART.data())
    await show(update, context, text, keyboard(numbers[:5], numbers[5:], [back]))


async def show_cart(update: Update, context: BotContext, notice: str | None = None) -> None:
    """Shows the user's cart (after a notice, if any)."""
    assert update.effective_user is not None
    view = await context.db.run(view_cart, user_id=update.effective_user.id)
    await show_view(update, context, view, notice)


async def show_view(
    update: Update, context: BotContext, view: CartView, notice: str | None = None
) -> None:
    """Shows a cart already read."""
    await show(update, context, cart_text(context, view, notice), cart_markup(context, view))


PICK_AT_MOST = 10


def change(action: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """The handler of − / + / remove (`action` as models.shop.products.change_cart takes it)."""

    async def changed(update: Update, context: BotContext) -> None:
        await change_line(update, context, action)

    return changed


async def change_line(update: Update, context: BotContext, action: str) -> None:
    """Applies − / + / remove, if the tapped message shows the current cart."""
    assert update.effective_user is not None
    outcome, view = await context.db.run(
        change_cart,
        user_id=update.effective_user.id,
        product_id=routes.tapped(context, "product_id"),
        action=action,
        version=routes.tapped(context, "version"),
        quantity=routes.tapped(context, "quantity") if action == "=" else 0,
    )
    tr = context.tr
    notices = {
        CartChange.STALE: tr._("That message was out of date. Here is your cart now:"),
        CartChange.AT_MOST: tr._("That is all we have in stock."),
        CartChange.AT_LEAST: tr._("The least is 1. To take it out of the cart, tap Remove."),
    }
    await show_view(update, context, view, notices.get(outcome))


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The cart's handlers, for `bot.app.journey_handlers`."""
    return [
        CommandHandler("cart", show_cart),
        routes.CART.handler(show_cart),
        routes.CART_LESS.handler(change("-")),
        routes.CART_MORE.handler(change("+")),
        routes.CART_REMOVE.handler(change("x")),
        routes.CART_PICK.handler(show_picker),
        routes.CART_SET.handler(change("=")),
    ]

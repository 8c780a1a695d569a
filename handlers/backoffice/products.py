"""The back office's products: stock, price and whether each is on sale."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator
from handlers.kit import routes
from handlers.kit.common import (
    back_button,
    button,
    esc,
    keyboard,
    show,
)
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.kit.screens import action, show_missing, viewer, with_notice
from models.catalog.places import localized
from models.core.money import CNY, LAK
from models.shop.backoffice import (
    MAX_STOCK,
    adjust_stock,
    all_products,
    get_product,
    parse_price,
    parse_stock_change,
    set_price,
    set_stock,
    toggle_on_sale,
)


class Step(IntEnum):
    """Which value the operator is typing."""

    STOCK = 1
    PRICE = 2


@operator_only
async def list_products(update: Update, context: BotContext) -> None:
    """Lists every product with stock, price and whether it is on sale."""
    tr = context.tr
    rows = []
    for product, village in await context.db.run(all_products):
        mark = "✅" if product.active else "⏸"
        label = (
            f"{mark} {localized(product, 'name', context.lang)} · "
            f"{product.stock} · {tr.money(product.price_fen, village.currency)}"
        )
        rows.append([button(label, routes.OPS_PRODUCT.data(product_id=product.id))])
    text = tr._(
        "<b>Products</b>\n✅ on sale · ⏸ not on sale · stock · price.\nTap one to change it."
    )
    add = [button("➕ " + tr._("Add a product"), routes.OPS_NEW_PRODUCT.data())]
    back = [back_button(context, routes.BACK_OFFICE.data())]
    await show(update, context, text, keyboard(*rows, add, back))


async def show_product(
    update: Update, context: BotContext, product_id: int, notice: str | None = None
) -> None:
    """The product screen."""
    tr = context.tr
    found = await context.db.run(get_product, product_id=product_id)
    if found is None:
        back = routes.OPS_PRODUCTS.data()
        await show_missing(update, context, tr._("There is no such product."), back)
        return
    product, village = found
    lines = [
        f"<b>{esc(localized(product, 'name', context.lang))}</b> · "
        f"{esc(localized(product, 'unit', context.lang))}",
        f"{esc(product.sku)} · {esc(localized(village, 'name', context.lang))}",
        tr._("In stock: {count}").format(count=tr.number(product.stock)),
        tr._("Price: {amount}").format(amount=tr.money(product.price_fen, village.currency)),
        tr._("On sale: yes") if product.active else tr._("On sale: no"),
    ]
    toggle = (
        tr.pgettext("button", "Take off sale")
        if product.active
        else tr.pgettext("button", "Put on sale")
    )
    stock, price, on_sale = (
        route.data(product_id=product_id)
        for route in (
            routes.OPS_PRODUCT_STOCK,
            routes.OPS_PRODUCT_PRICE,
            routes.OPS_PRODUCT_TOGGLE,
        )
    )
    markup = keyboard(
        [button("🔢 " + tr.pgettext("button", "Change stock"), stock)],
        [button("💴 " + tr.pgettext("button", "Change price"), price)],
        [button(("⏸ " if product.active else "✅ ") + toggle, on_sale)],
        [back_button(context, routes.OPS_PRODUCTS.data())],
    )
    await show(update, context, with_notice("\n".join(lines), notice), markup)


view_product = operator_only(viewer(show_product, "product_id"))


async def toggled(update: Update, context: BotContext, product_id: int) -> str | None:
    """Puts the product on sale or takes it off (None: there is no such product)."""
    product = await context.db.run(toggle_on_sale, product_id=product_id)
    if product is None:
        return None
    return context.tr._("Now on sale.") if product.active else context.tr._("Taken off sale.")


toggle = operator_only(action(show_product, "product_id", toggled))


@operator_only
async def ask_stock(update: Update, context: BotContext) -> int:
    """Asks for the new stock."""
    context.scratch["opp"] = routes.tapped(context, "product_id")
    return await ask(update, context, Step.STOCK)


def price_prompt(tr: Translator, currency: str) -> str:
    """Asks for a price in the product's currency."""
    if currency == LAK:
        return tr._("Send the new price in kip, for example 150000.")
    return tr._("Send the new price in yuan, for example 128 or 98.50.")


def price_error(tr: Translator, currency: str) -> str:
    """Why a typed price was not taken, in the product's currency."""
    if currency == LAK:
        return tr._("That is not a price: use whole kip above zero, for example 150000.")
    return tr._("That is not a price: use yuan above zero with at most two decimals.")


@operator_only
async def ask_price(update: Update, context: BotContext) -> int:
    """Asks for the new price."""
    product_id = routes.tapped(context, "product_id")
    found = await context.db.run(get_product, product_id=product_id)
    context.scratch["opp"] = product_id
    context.scratch["opp_currency"] = found[1].currency if found else CNY
    return await ask(update, context, Step.PRICE)


async def ask(update: Update, context: BotContext, step: Step, error: str | None = None) -> int:
    """Asks for the value of `step`, after an optional error."""
    tr = context.tr
    if step == Step.STOCK:
        text = tr._(
            "How many are in stock now? Send a whole number from 0 to {max}, or a change: "
            "+10 adds ten, -3 takes three away."
        ).format(max=tr.number(MAX_STOCK))
    else:
        text = price_prompt(tr, context.scratch.get("opp_currency", CNY))
    if error:
        text = f"{error}\n\n{text}"
    back = back_button(context, routes.OPS_PRODUCT.data(product_id=context.scratch["opp"]))
    await show(update, context, text, keyboard([back]))
    return step


@operator_only
async def got_stock(update: Update, context: BotContext) -> int:
    """Stores the stock, or asks again."""
    assert update.effective_message is not None
    tr = context.tr
    parsed = parse_stock_change(update.effective_message.text or "")
    if parsed is None:
        error = tr._("That is not a whole number from 0 to {max}, nor a change like +10 or -3.")
        return await ask(update, context, Step.STOCK, error.format(max=tr.number(MAX_STOCK)))
    relative, number = parsed
    product_id = context.scratch["opp"]
    if not relative:
        await context.db.run(set_stock, product_id=product_id, stock=number)
        notice = tr._("Stock set to {count}.").format(count=tr.number(number))
    else:
        try:
            product = await context.db.run(adjust_stock, product_id=product_id, change=number)
        except ValueError as exc:
            error = tr._("There are {count} in stock: the stock cannot go below 0 or above {max}.")
            error = error.format(count=tr.number(exc.args[0]), max=tr.number(MAX_STOCK))
            return await ask(update, context, Step.STOCK, error)
        if product is not None:
            notice = tr._("Stock {before} {change} = {count}.").format(
                before=tr.number(product.stock - number),
                change=f"{number:+d}",
                count=f"<b>{tr.number(product.stock)}</b>",
            )
        else:
            notice = None
    context.scratch.pop("opp", None)
    await show_product(update, context, product_id, notice)
    return ConversationHandler.END


@operator_only
async def got_price(update: Update, context: BotContext) -> int:
    """Stores the price, or asks again."""
    assert update.effective_message is not None
    currency = context.scratch.get("opp_currency", CNY)
    fen = parse_price(update.effective_message.text or "", currency)
    if fen is None:
        return await ask(update, context, Step.PRICE, price_error(context.tr, currency))
    product_id = context.scratch.pop("opp")
    context.scratch.pop("opp_currency", None)
    await context.db.run(set_price, product_id=product_id, price_fen=fen)
    notice = context.tr._("Price set to {amount}. Orders already placed keep their price.").format(
        amount=context.tr.money(fen, currency)
    )
    await show_product(update, context, product_id, notice)
    return ConversationHandler.END


TEXT = filters.TEXT & ~filters.COMMAND


def conversation() -> ConversationHandler[BotContext]:
    """The typed steps: a new stock or a new price."""
    return dialogue(
        "operator_products",
        [routes.OPS_PRODUCT_STOCK.handler(ask_stock), routes.OPS_PRODUCT_PRICE.handler(ask_price)],
        {
            Step.STOCK: [MessageHandler(TEXT, got_stock)],
            Step.PRICE: [MessageHandler(TEXT, got_price)],
        },
        scratch="opp",
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The back office's product handlers, for `bot.app.journey_handlers`."""
    return [
        conversation(),
        routes.OPS_PRODUCTS.handler(list_products),
        routes.OPS_PRODUCT.handler(view_product),
        routes.OPS_PRODUCT_TOGGLE.handler(toggle),
    ]

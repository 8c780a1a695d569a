"""The farmer's menu: orders for my produce to pack, my orders, my earnings.

A farmer sees only their own items of an order, its destination country and the buyer's display
name: never the address or phone (the post office ships, the farmer packs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from handlers.kit import routes
from handlers.kit.common import back_button, button, esc, keyboard, menu_row, person, show
from handlers.kit.roles import farmer_only
from handlers.kit.screens import action
from handlers.shop.orders import COUNTRY_NAMES, status_label
from models.catalog.places import Farmer, localized
from models.core.roles import farmer_of
from models.core.user import Role, User
from models.shop.orders import OrderError, OrderStatus
from models.shop.packing import (
    Earnings,
    FarmerOrder,
    farmer_earnings,
    farmer_orders,
    pack_my_part,
)


@dataclass(frozen=True)
class FarmerEntry:
    """One button of the farmer's menu."""

    label: Callable[[Translator], str]
    data: str


# The adoption module appends "My trees" and "Post a tree update" here.
FARMER_MENU: list[FarmerEntry] = [
    FarmerEntry(lambda tr: "📦 " + tr._("Orders to pack"), routes.FARMER_TO_PACK.data()),
    FarmerEntry(lambda tr: "🧾 " + tr._("My orders"), routes.FARMER_ORDERS.data()),
    FarmerEntry(lambda tr: "💰 " + tr._("My earnings"), routes.FARMER_EARNINGS.data()),
    FarmerEntry(
        lambda tr: "🌳 " + tr.pgettext("farmer", "My trees"), routes.FARMER_TREES.data(page=0)
    ),
    FarmerEntry(lambda tr: "📷 " + tr._("Post a tree update"), routes.NEWS.data()),
]

# Earning sources (models.shop.packing.EARNING_SOURCES) by key; adoption adds "adoptions"
# (e.g. N_("Tree adoptions: {amount}")).
SOURCE_LABELS: dict[str, str] = {
    "sales": N_("Produce sales: {amount}"),
    "adoptions": N_("Tree adoptions: {amount}"),
}


def is_farmer(account: User | None) -> bool:
    """Whether the main menu shows this user the farmer's entry."""
    return account is not None and account.role == Role.FARMER


async def my_farmer(update: Update, context: BotContext) -> Farmer | None:
    """The Farmer record of the sender; tells them if their account is not linked to one."""
    assert update.effective_user is not None
    farmer = await context.db.run(farmer_of, telegram_id=update.effective_user.id)
    if farmer is None:
        text = context.tr._(
            "Your account is not linked to a farmer. Ask the post office for an invite link."
        )
        await show(update, context, text, keyboard(menu_row(context)))
    return farmer


@farmer_only
async def farmer_menu(update: Update, context: BotContext) -> None:
    """Shows the farmer's menu."""
    farmer = await my_farmer(update, context)
    if farmer is None:
        return
    tr = context.tr
    text = tr._("<b>Farmer {name}</b>\nWhat would you like to do?").format(
        name=esc(localized(farmer, "name", context.lang))
    )
    rows = [[button(entry.label(tr), entry.data)] for entry in FARMER_MENU]
    await show(update, context, text, keyboard(*rows, menu_row(context)))


def order_block(context: BotContext, entry: FarmerOrder, with_status: bool = False) -> str:
    """An order as the farmer sees it: number, country, buyer's name, their items, the note."""
    tr = context.tr
    country = tr._(COUNTRY_NAMES.get(entry.country, entry.country))
    head = f"<b>{esc(entry.number)}</b> · {country} · 👤 {person(tr, entry.buyer_name)}"
    if with_status:
        head += f"\n{status_label(tr, entry.status)} · {tr.day(entry.created_at)}"
    elif entry.part_packed:
        head += "\n" + tr._("✅ Your part is packed; waiting for the other farmers.")
    items = [
        "  {quantity} × {name}".format(
            quantity=item.quantity,
            name=tr.detail(
                esc(localized(item, "name", context.lang)),
                esc(localized(item, "unit", context.lang)),
            ),
        )
        for item in entry.items
    ]
    if entry.note:
        items.append("📝 " + tr._("Note: {note}").format(note=esc(entry.note)))
    return "\n".join([head, *items])


@farmer_only
async def to_pack(update: Update, context: BotContext) -> None:
    """Lists paid orders with this farmer's produce, each with a Mark packed button."""
    await show_to_pack(update, context)


async def show_to_pack(update: Update, context: BotContext, notice: str | None = None) -> None:
    """The list of orders to pack, after an optional notice."""
    farmer = await my_farmer(update, context)
    if farmer is None:
        return
    tr = context.tr
    entries = await context.db.run(
        farmer_orders, farmer_id=farmer.id, statuses=(OrderStatus.PAID,), limit=20
    )
    lines = [f"<i>{notice}</i>"] if notice else []
    lines.append("<b>" + tr._("Orders to pack") + "</b>")
    if not entries:
        lines.append(tr._("Nothing to pack right now."))
    lines += [order_block(context, entry) for entry in entries]
    rows = [
        [
            button(
                "📦 " + tr._("Mark packed: {number}").format(number=e.number),
                routes.FARMER_PACK.data(order_id=e.order_id),
            )
        ]
        for e in entries
        if not e.part_packed
    ]
    markup = keyboard(*rows, [back_button(context, routes.FARMER.data())], menu_row(context))
    await show(update, context, "\n\n".join(lines), markup)


async def packed(update: Update, context: BotContext, order_id: int) -> str | None:
    """Marks the farmer's part of an order packed (None: the account is no farmer's)."""
    assert update.effective_user is not None
    farmer = await context.db.run(farmer_of, telegram_id=update.effective_user.id)
    if farmer is None:
        return None  # the list says the account is not linked
    tr = context.tr
    try:
        outcome = await context.db.run(pack_my_part, farmer_id=farmer.id, order_id=order_id)
    except OrderError as exc:
        if exc.code == "not_found":
            return tr._("There is no such order among yours.")
        return tr._("This order has moved on in the meantime; nothing was changed.")
    if outcome == "packed":
        return tr._("Thank you! The order is packed; the post office will ship it.")
    return tr._("Thank you! Your part is packed; the order waits for the other farmers.")


async def show_to_pack_after(
    update: Update, context: BotContext, _order_id: int, notice: str | None
) -> None:
    """The list of orders to pack again, after packing one of them."""
    await show_to_pack(update, context, notice)


mark_packed = farmer_only(action(show_to_pack_after, "order_id", packed))


@farmer_only
async def my_orders(update: Update, context: BotContext) -> None:
    """Recent orders with this farmer's produce and their statuses."""
    farmer = await my_farmer(update, context)
    if farmer is None:
        return
    tr = context.tr
    entries = await context.db.run(farmer_orders, farmer_id=farmer.id, limit=10)
    lines = ["<b>" + tr._("Recent orders of my produce") + "</b>"]
    if not entries:
        lines.append(tr._("No orders of your produce yet."))
    lines += [order_block(context, entry, with_status=True) for entry in entries]
    markup = keyboard([back_button(context, routes.FARMER.data())], menu_row(context))
    await show(update, context, "\n\n".join(lines), markup)


@farmer_only
async def earnings(update: Update, context: BotContext) -> None:
    """Paid income by source, the collective's share and the rest (one block per currency)."""
    farmer = await my_farmer(update, context)
    if farmer is None:
        return
    tr = context.tr
    results = await context.db.run(farmer_earnings, farmer_id=farmer.id, zone=tr.zone.key)
    lines = ["<b>" + tr._("My earnings") + "</b>"]
    for number, result in enumerate(results):
        lines += ([""] if number else []) + earnings_lines(context, result)
    lines += [
        "",
        tr._("Counted: orders that are paid, packed, shipped or delivered."),
        tr._("Adoptions count once paid: active, harvest shipped or completed."),
    ]
    markup = keyboard([back_button(context, routes.FARMER.data())], menu_row(context))
    await show(update, context, "\n".join(lines), markup)


def earnings_lines(context: BotContext, result: Earnings) -> list[str]:
    """One currency's income: by source, the shares, per month and per season."""
    tr = context.tr

    def money(amount: int) -> str:
        """In its currency, with the other one as an estimate where the reader uses it."""
        return tr.price(amount, context.settings.lak_per_cny, result.currency)

    lines = [
        tr._(SOURCE_LABELS.get(line.source, line.source)).format(amount=money(line.fen))
        for line in result.lines
    ]
    lines += [
        tr._("Total paid: {amount}").format(amount=money(result.total_fen)),
        tr._("Village collective's share ({pct}%): {amount}").format(
            pct=result.share_pct, amount=money(result.collective_fen)
        ),
        "<b>" + tr._("Yours: {amount}").format(amount=money(result.rest_fen)) + "</b>",
    ]
    if result.by_month:
        lines += ["", "<b>" + tr._("By month") + "</b>"]
        for month, fen in result.by_month:
            year, number = (int(part) for part in month.split("-"))
            label = tr.month(date(year, number, 1))
            lines.append(f"{label}: {money(fen)}")
    if result.by_season:
        lines += ["", "<b>" + tr._("By season") + "</b>"]
        lines += [
            tr._("{season} season: {amount}").format(season=season, amount=money(fen))
            for season, fen in result.by_season
        ]
    return lines


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The farmer's handlers, for `bot.app.journey_handlers`."""
    return [
        CommandHandler("farmer", farmer_menu),
        routes.FARMER.handler(farmer_menu),
        routes.FARMER_TO_PACK.handler(to_pack),
        routes.FARMER_PACK.handler(mark_packed),
        routes.FARMER_ORDERS.handler(my_orders),
        routes.FARMER_EARNINGS.handler(earnings),
    ]

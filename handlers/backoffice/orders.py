"""The back office's orders: orders to ship, one order with the buyer's address, packing,
shipping with a carrier and tracking number, delivery, and cancelling with a reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_
from handlers.kit import routes
from handlers.kit.carriers import Shipping
from handlers.kit.common import back_button, button, esc, keyboard, show
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.kit.screens import Page, action, show_missing, show_page, viewer, with_notice
from handlers.shop.orders import COUNTRY_NAMES, order_text, status_label
from models.catalog.places import localized
from models.core.contact import clean_text
from models.shop.backoffice import (
    IN_TRANSIT,
    TO_SHIP,
    OperatorOrder,
    operator_order,
    operator_orders,
)
from models.shop.orders import (
    OrderError,
    OrderStatus,
    cancel_order,
    deliver_order,
    pack_order,
    ship_order,
)

PAGE = 5
MAX_REASON = 200
LISTS = {
    "ready": (TO_SHIP, N_("Orders to ship")),
    "sent": (IN_TRANSIT, N_("Orders on their way")),
}
REASON = 4  # the dialogue's state after the shipping steps (kit.carriers.ShipStep)
PACK, SHIP, DONE = routes.OPS_ORDER_PACK, routes.OPS_ORDER_SHIP, routes.OPS_ORDER_DELIVERED
CANCEL = routes.OPS_ORDER_CANCEL


def view_data(order_id: int | None) -> str:
    """The data of a button that shows the order."""
    return routes.OPS_ORDER.data(order_id=order_id)


def summary(context: BotContext, entry: OperatorOrder) -> str:
    """One order in a list: number, destination, buyer, items."""
    tr, order = context.tr, entry.order
    country = tr._(COUNTRY_NAMES.get(order.country, order.country))
    items = ", ".join(
        f"{item.quantity} × {esc(localized(item, 'name', context.lang))}" for item in entry.items
    )
    return (
        f"<b>{esc(order.number)}</b> · {status_label(tr, order.status)} · {country}\n"
        f"👤 {esc(entry.buyer_name)} · {items}"
    )


@operator_only
async def list_orders(update: Update, context: BotContext) -> None:
    """Lists a page of orders to ship (or on their way), oldest first."""
    tr, which, page = (
        context.tr,
        routes.text_field(context, "which"),
        routes.tapped(context, "page"),
    )
    statuses, title = LISTS[which]
    entries, total = await context.db.run(
        operator_orders, statuses=statuses, offset=page * PAGE, limit=PAGE
    )
    listed = Page(
        tr._(title),
        tr._("No orders here right now."),
        routes.OPS_ORDERS,
        page,
        total,
        PAGE,
        entries=[summary(context, entry) for entry in entries],
        buttons=[[button(e.order.number, view_data(e.order.id))] for e in entries],
        fields={"which": which},
    )
    await show_page(update, context, listed, routes.BACK_OFFICE.data())


async def show_order(
    update: Update, context: BotContext, order_id: int, notice: str | None = None
) -> None:
    """The operator's order screen."""
    tr = context.tr
    entry = await context.db.run(operator_order, order_id=order_id)
    if entry is None:
        back = routes.OPS_ORDERS.data(which="ready", page=0)
        await show_missing(update, context, tr._("There is no such order."), back)
        return
    order = entry.order
    text = tr._("Buyer: {name}").format(name=esc(entry.buyer_name)) + "\n"
    text += order_text(context, order, entry.items, entry.events)
    actions = [
        (order.status == OrderStatus.PAID, "📦 " + tr.pgettext("button", "Mark packed"), PACK),
        (order.status == OrderStatus.PACKED, "🚚 " + tr.pgettext("button", "Ship"), SHIP),
        (
            order.status == OrderStatus.SHIPPED,
            "✅ " + tr.pgettext("button", "Mark delivered"),
            DONE,
        ),
        (order.status in TO_SHIP, "✖️ " + tr.pgettext("button", "Cancel order"), CANCEL),
    ]
    rows = [
        [button(label, route.data(order_id=order.id))] for shown, label, route in actions if shown
    ]
    which = "sent" if order.status in IN_TRANSIT else "ready"
    rows.append([back_button(context, routes.OPS_ORDERS.data(which=which, page=0))])
    await show(update, context, with_notice(text, notice), keyboard(*rows))


def refused(context: BotContext, exc: OrderError) -> str:
    """Why an order could not be moved."""
    if exc.code == "not_found":
        return context.tr._("There is no such order.")
    return context.tr._("This order has moved on in the meantime; nothing was changed.")


async def move(
    update: Update, context: BotContext, order_id: int, fn: Any, done: str, **kwargs: Any
) -> str:
    """Runs a status change; what the operator is told about it."""
    assert update.effective_user is not None
    try:
        await context.db.run(fn, order_id=order_id, by_user_id=update.effective_user.id, **kwargs)
    except OrderError as exc:
        return refused(context, exc)
    return done


async def packed(update: Update, context: BotContext, order_id: int) -> str:
    """Marks a paid order packed."""
    done = context.tr._("Marked packed. The buyer is being told.")
    return await move(update, context, order_id, pack_order, done)


async def delivered(update: Update, context: BotContext, order_id: int) -> str:
    """Marks a shipped order delivered."""
    done = context.tr._("Marked delivered. The buyer is being told.")
    return await move(update, context, order_id, deliver_order, done)


def on_order(change: Callable[[Update, BotContext, int], Any]) -> Any:
    """An operator's button that changes the tapped order, then shows it again."""
    return operator_only(action(show_order, "order_id", change))


view_order = operator_only(viewer(show_order, "order_id"))


async def ship(
    update: Update, context: BotContext, order_id: int, carrier: str, tracking: str
) -> None:
    """Ships the order with its carrier and tracking number and shows it."""
    done = context.tr._("Shipped. The buyer is being told, with the tracking number.")
    notice = await move(
        update, context, order_id, ship_order, done, carrier=carrier, tracking_number=tracking
    )
    await show_order(update, context, order_id, notice)


SHIPPING = Shipping(
    scratch="opo",
    id_key="order",
    field="order_id",
    button=routes.OPS_ORDER_SHIP,
    carrier=routes.OPS_ORDER_CARRIER,
    back=routes.OPS_ORDER_BACK,
    view=routes.OPS_ORDER,
    ship=ship,
    guard=operator_only,
)


# --- cancelling with a reason ------------------------------------------------------------------


@operator_only
async def start_cancel(update: Update, context: BotContext) -> int:
    """Asks why the order is cancelled."""
    order_id = routes.tapped(context, "order_id")
    context.scratch["opo"] = {"order": order_id}
    text = context.tr._(
        "Why is this order cancelled? Send the reason; the buyer will read it. "
        "The stock goes back on sale."
    )
    await show(update, context, text, keyboard([back_button(context, view_data(order_id))]))
    return REASON


@operator_only
async def got_reason(update: Update, context: BotContext) -> int:
    """Cancels the order with the reason given."""
    assert update.effective_message is not None
    reason = clean_text(" ".join((update.effective_message.text or "").split()), MAX_REASON)
    order_id = context.scratch["opo"]["order"]
    if reason is None or len(reason) < 3:
        text = context.tr._("Please send a reason of 3 to {limit} characters.").format(
            limit=MAX_REASON
        )
        await show(update, context, text, keyboard([back_button(context, view_data(order_id))]))
        return REASON
    context.scratch.pop("opo", None)
    done = context.tr._("Cancelled. The stock is back on sale and the buyer is being told.")
    notice = await move(update, context, order_id, cancel_order, done, note=reason)
    await show_order(update, context, order_id, notice)
    return ConversationHandler.END


TEXT = filters.TEXT & ~filters.COMMAND


def conversation() -> ConversationHandler[BotContext]:
    """The typed steps: carrier and tracking number, or a reason to cancel."""
    return dialogue(
        "operator_orders",
        [SHIPPING.entry(), routes.OPS_ORDER_CANCEL.handler(start_cancel)],
        {**SHIPPING.states(), REASON: [MessageHandler(TEXT, got_reason)]},
        scratch="opo",
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The back office's order handlers, for `bot.app.journey_handlers`."""
    return [
        conversation(),
        routes.OPS_ORDERS.handler(list_orders),
        routes.OPS_ORDER.handler(view_order),
        routes.OPS_ORDER_PACK.handler(on_order(packed)),
        routes.OPS_ORDER_DELIVERED.handler(on_order(delivered)),
    ]

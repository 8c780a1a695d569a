"""The back office's orders: orders to ship, one order with the buyer's address, packing,
shipping with a carrier and tracking number, delivery, and cancelling with a reason."""

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
from bot.i18n import N_
from handlers.kit import routes
from handlers.kit.carriers import (
    carrier_error,
    carrier_rows,
    listed_carrier,
    tracking_error,
    typed_carrier_name,
)
from handlers.kit.common import (
    back_button,
    button,
    esc,
    keyboard,
    menu_row,
    page_count,
    pager,
    show,
)
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.shop.orders import COUNTRY_NAMES, order_text, status_label
from models.catalog.places import localized
from models.core.contact import clean_text
from models.shop.backoffice import (
    IN_TRANSIT,
    TO_SHIP,
    OperatorOrder,
    operator_order,
    operator_orders,
    valid_tracking,
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


BACK = routes.OPS_ORDER_BACK.data()
PACK, SHIP, DONE = routes.OPS_ORDER_PACK, routes.OPS_ORDER_SHIP, routes.OPS_ORDER_DELIVERED
CANCEL = routes.OPS_ORDER_CANCEL


def view_data(order_id: int | None) -> str:
    """The data of a button that shows the order."""
    return routes.OPS_ORDER.data(order_id=order_id)


class Step(IntEnum):
    """Where the operator is in a typed step."""

    CARRIER = 1
    CARRIER_TYPED = 2
    TRACKING = 3
    REASON = 4


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
    page = routes.tapped(context, "page")
    await show_list(update, context, routes.text_field(context, "which"), page)


async def show_list(update: Update, context: BotContext, which: str, page: int) -> None:
    """One page of a list, with paging buttons."""
    tr = context.tr
    statuses, title = LISTS[which]
    entries, total = await context.db.run(
        operator_orders, statuses=statuses, offset=page * PAGE, limit=PAGE
    )
    lines = ["<b>" + tr._(title) + "</b>"]
    if not entries:
        lines.append(tr._("No orders here right now."))
    lines += [summary(context, entry) for entry in entries]
    rows = [[button(e.order.number, routes.OPS_ORDER.data(order_id=e.order.id))] for e in entries]
    paging = pager(routes.OPS_ORDERS, page, page_count(total, PAGE), which=which)
    if total > PAGE:
        lines.append(
            tr._("Page {page} of {pages}").format(page=page + 1, pages=page_count(total, PAGE))
        )
    back = [back_button(context, routes.BACK_OFFICE.data())]
    markup = keyboard(*rows, paging, back, menu_row(context))
    await show(update, context, "\n\n".join(lines), markup)


@operator_only
async def view_order(update: Update, context: BotContext) -> int:
    """Shows one order with address, phone and what can be done with it."""
    await show_order(update, context, routes.tapped(context, "order_id"))
    return ConversationHandler.END


async def show_order(
    update: Update, context: BotContext, order_id: int, notice: str | None = None
) -> None:
    """The operator's order screen."""
    tr = context.tr
    entry = await context.db.run(operator_order, order_id=order_id)
    if entry is None:
        markup = keyboard([back_button(context, routes.OPS_ORDERS.data(which="ready", page=0))])
        await show(update, context, tr._("There is no such order."), markup)
        return
    order = entry.order
    text = tr._("Buyer: {name}").format(name=esc(entry.buyer_name)) + "\n"
    text += order_text(context, order, entry.items, entry.events)
    if notice:
        text = f"<i>{notice}</i>\n\n{text}"
    actions = [
        (order.status == OrderStatus.PAID, "📦 " + tr.pgettext("button", "Mark packed"), PACK),
        (order.status == OrderStatus.PACKED, "🚚 " + tr.pgettext("button", "Ship"), SHIP),
        (order.status == OrderStatus.SHIPPED, "✅ " + tr.pgettext("button", "Delivered"), DONE),
        (order.status in TO_SHIP, "✖️ " + tr.pgettext("button", "Cancel order"), CANCEL),
    ]
    rows = [
        [button(label, route.data(order_id=order.id))] for shown, label, route in actions if shown
    ]
    which = "sent" if order.status in IN_TRANSIT else "ready"
    rows.append([back_button(context, routes.OPS_ORDERS.data(which=which, page=0))])
    await show(update, context, text, keyboard(*rows))


def refused(context: BotContext, exc: OrderError) -> str:
    """Why an order could not be moved."""
    if exc.code == "not_found":
        return context.tr._("There is no such order.")
    return context.tr._("This order has moved on in the meantime; nothing was changed.")


async def move(update: Update, context: BotContext, fn: Any, done: str, **kwargs: Any) -> None:
    """Runs a status change and shows the order with what happened."""
    assert update.effective_user is not None
    order_id = kwargs.pop("order_id")
    try:
        await context.db.run(fn, order_id=order_id, by_user_id=update.effective_user.id, **kwargs)
        notice = done
    except OrderError as exc:
        notice = refused(context, exc)
    await show_order(update, context, order_id, notice)


@operator_only
async def pack(update: Update, context: BotContext) -> None:
    """Marks a paid order packed."""
    done = context.tr._("Marked packed. The buyer is being told.")
    await move(update, context, pack_order, done, order_id=routes.tapped(context, "order_id"))


@operator_only
async def delivered(update: Update, context: BotContext) -> None:
    """Marks a shipped order delivered."""
    done = context.tr._("Marked delivered. The buyer is being told.")
    await move(update, context, deliver_order, done, order_id=routes.tapped(context, "order_id"))


# --- shipping: carrier, then tracking number -------------------------------------------------


@operator_only
async def start_ship(update: Update, context: BotContext) -> int:
    """Asks which carrier takes the parcel."""
    context.scratch["opo"] = {"order": routes.tapped(context, "order_id")}
    return await ask_carrier(update, context)


async def ask_carrier(update: Update, context: BotContext) -> int:
    """Carrier buttons, one for a carrier typed in, and Back to the order."""
    tr, order_id = context.tr, context.scratch["opo"]["order"]
    rows = carrier_rows(context, routes.OPS_ORDER_CARRIER)
    rows.append([back_button(context, routes.OPS_ORDER.data(order_id=order_id))])
    await show(update, context, tr._("Which carrier takes the parcel?"), keyboard(*rows))
    return Step.CARRIER


@operator_only
async def choose_carrier(update: Update, context: BotContext) -> int:
    """Stores a listed carrier, or asks for another one's name."""
    carrier = listed_carrier(routes.text_field(context, "carrier"))
    if carrier is None:
        text = context.tr._("Send the carrier's name.")
        await show(update, context, text, keyboard([back_button(context, BACK)]))
        return Step.CARRIER_TYPED
    context.scratch["opo"]["carrier"] = carrier
    return await ask_tracking(update, context)


@operator_only
async def typed_carrier(update: Update, context: BotContext) -> int:
    """Stores a carrier's name typed in."""
    assert update.effective_message is not None
    name = typed_carrier_name(update.effective_message.text or "")
    if name is None:
        text = carrier_error(context)
        await show(update, context, text, keyboard([back_button(context, BACK)]))
        return Step.CARRIER_TYPED
    context.scratch["opo"]["carrier"] = name
    return await ask_tracking(update, context)


async def ask_tracking(update: Update, context: BotContext, error: str | None = None) -> int:
    """Asks for the tracking number."""
    text = context.tr._("Carrier: {carrier}. Send the tracking number.").format(
        carrier=esc(context.scratch["opo"]["carrier"])
    )
    if error:
        text = f"{error}\n\n{text}"
    await show(update, context, text, keyboard([back_button(context, BACK)]))
    return Step.TRACKING


@operator_only
async def got_tracking(update: Update, context: BotContext) -> int:
    """Checks the tracking number and ships the order."""
    assert update.effective_message is not None
    tracking = valid_tracking(update.effective_message.text or "")
    if tracking is None:
        return await ask_tracking(update, context, tracking_error(context))
    draft = context.scratch.pop("opo")
    done = context.tr._("Shipped. The buyer is being told, with the tracking number.")
    await move(
        update,
        context,
        ship_order,
        done,
        order_id=draft["order"],
        carrier=draft["carrier"],
        tracking_number=tracking,
    )
    return ConversationHandler.END


async def back_to_carrier(update: Update, context: BotContext) -> int:
    """Back to the carrier buttons."""
    return await ask_carrier(update, context)


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
    return Step.REASON


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
        return Step.REASON
    context.scratch.pop("opo", None)
    done = context.tr._("Cancelled. The stock is back on sale and the buyer is being told.")
    await move(update, context, cancel_order, done, order_id=order_id, note=reason)
    return ConversationHandler.END


TEXT = filters.TEXT & ~filters.COMMAND


def conversation() -> ConversationHandler[BotContext]:
    """The typed steps: carrier and tracking number, or a reason to cancel."""
    return dialogue(
        "operator_orders",
        [routes.OPS_ORDER_SHIP.handler(start_ship), routes.OPS_ORDER_CANCEL.handler(start_cancel)],
        {
            Step.CARRIER: [routes.OPS_ORDER_CARRIER.handler(choose_carrier)],
            Step.CARRIER_TYPED: [
                MessageHandler(TEXT, typed_carrier),
                routes.OPS_ORDER_BACK.handler(back_to_carrier),
            ],
            Step.TRACKING: [
                MessageHandler(TEXT, got_tracking),
                routes.OPS_ORDER_BACK.handler(back_to_carrier),
            ],
            Step.REASON: [MessageHandler(TEXT, got_reason)],
        },
        scratch="opo",
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The back office's order handlers, for `bot.app.journey_handlers`."""
    return [
        conversation(),
        routes.OPS_ORDERS.handler(list_orders),
        routes.OPS_ORDER.handler(view_order),
        routes.OPS_ORDER_PACK.handler(pack),
        routes.OPS_ORDER_DELIVERED.handler(delivered),
    ]

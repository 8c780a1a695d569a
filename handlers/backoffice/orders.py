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
from handlers.kit.common import back_button, button, esc, keyboard, person, show
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.kit.screens import Page, action, show_missing, show_page, viewer, with_notice
from handlers.kit.tracking import track_row
from handlers.shop.orders import CANCEL_REASON_TEXTS, COUNTRY_NAMES, order_text, status_label
from models.catalog.places import localized
from models.core.contact import clean_text
from models.shop.backoffice import (
    IN_TRANSIT,
    TO_SHIP,
    OperatorOrder,
    find_orders,
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
REASON = 4  # the dialogue's states after the shipping steps (kit.carriers.ShipStep)
NOTE = 5
FIND = 6
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
        f"👤 {person(tr, entry.buyer_name)} · {items}"
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
        buttons=[[button("📦 " + e.order.number, view_data(e.order.id))] for e in entries],
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
    text = tr._("Buyer: {name}").format(name=person(tr, entry.buyer_name)) + "\n"
    text += order_text(context, order, entry.items, entry.events, entry.route)
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
    if order.tracking_number:
        rows.append(track_row(tr, order.carrier, order.tracking_number))
    which = "sent" if order.status in IN_TRANSIT else "ready"
    rows.append([back_button(context, routes.OPS_ORDERS.data(which=which, page=0))])
    await show(update, context, with_notice(text, notice), keyboard(*rows))


async def find_and_show(update: Update, context: BotContext, query: str) -> None:
    """The order matching a number, payment reference or buyer; a list when several do."""
    tr = context.tr
    entries = await context.db.run(find_orders, query=query)
    if len(entries) == 1:
        await show_order(update, context, entries[0].order.id or 0)
        return
    back = [back_button(context, routes.BACK_OFFICE.data())]
    if not entries:
        text = tr._("No order matches “{query}”.").format(query=esc(query[:60]))
        text += "\n\n" + find_hint(context)
        again = [button("🔎 " + tr._("Find an order"), routes.OPS_ORDER_FIND.data())]
        await show(update, context, text, keyboard(again, back))
        return
    text = "\n\n".join(
        [tr._("Orders matching “{query}”:").format(query=esc(query[:60]))]
        + [summary(context, entry) for entry in entries]
    )
    rows = [[button("📦 " + e.order.number, view_data(e.order.id))] for e in entries]
    await show(update, context, text, keyboard(*rows, back))


def find_hint(context: BotContext) -> str:
    """What an operator can look an order up by."""
    return context.tr._(
        "Send an order number (SBD-7KQ3-XM9A), a payment reference, or the buyer's name, "
        "@username or Telegram id."
    )


@operator_only
async def ask_find(update: Update, context: BotContext) -> int:
    """Asks what to look the order up by."""
    markup = keyboard([back_button(context, routes.BACK_OFFICE.data())])
    await show(update, context, "🔎 " + find_hint(context), markup)
    return FIND


@operator_only
async def got_find(update: Update, context: BotContext) -> int:
    """Shows the orders matching what the operator typed."""
    assert update.effective_message is not None
    await find_and_show(update, context, update.effective_message.text or "")
    return ConversationHandler.END


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
    """Offers the ready reasons (the buyer reads them in their own language), or a typed one."""
    tr = context.tr
    order_id = routes.tapped(context, "order_id")
    context.scratch["opo"] = {"order": order_id}
    text = tr._(
        "Why is this order cancelled? Choose a reason: the buyer reads it in their own "
        "language. Or type your own reason. The stock goes back on sale."
    )
    rows = [
        [button("📝 " + tr._(label), routes.OPS_ORDER_REASON.data(code=code))]
        for code, label in CANCEL_REASON_TEXTS.items()
    ]
    await show(update, context, text, keyboard(*rows, [back_button(context, view_data(order_id))]))
    return REASON


@operator_only
async def chose_reason(update: Update, context: BotContext) -> int:
    """Keeps the ready reason and offers to add a note for the buyer."""
    tr = context.tr
    draft = context.scratch.get("opo") or {}
    if "order" not in draft:
        await show(update, context, tr._("This button is out of date."))
        return ConversationHandler.END
    code = routes.text_field(context, "code")
    draft["code"] = code
    rows = []
    if code == "other":
        text = tr._("Send the reason for the buyer (3 to {limit} characters).").format(
            limit=MAX_REASON
        )
    else:
        text = tr._("Reason: {reason}").format(reason=tr._(CANCEL_REASON_TEXTS[code]))
        text += "\n\n" + tr._("Add a note for the buyer? Send it, or cancel without a note.")
        no_note = "✖️ " + tr.pgettext("button", "Cancel without a note")
        rows.append([button(no_note, routes.OPS_ORDER_NO_NOTE.data())])
    rows.append([back_button(context, view_data(draft["order"]))])
    await show(update, context, text, keyboard(*rows))
    return NOTE


@operator_only
async def got_reason(update: Update, context: BotContext) -> int:
    """Cancels the order with the reason or note typed."""
    assert update.effective_message is not None
    reason = clean_text(" ".join((update.effective_message.text or "").split()), MAX_REASON)
    order_id = context.scratch["opo"]["order"]
    if reason is None or len(reason) < 3:
        text = context.tr._("Please send a reason of 3 to {limit} characters.").format(
            limit=MAX_REASON
        )
        await show(update, context, text, keyboard([back_button(context, view_data(order_id))]))
        return NOTE if context.scratch["opo"].get("code") else REASON
    return await cancel_with(update, context, reason)


@operator_only
async def without_note(update: Update, context: BotContext) -> int:
    """Cancels the order with the ready reason alone."""
    if "code" not in (context.scratch.get("opo") or {}):
        await show(update, context, context.tr._("This button is out of date."))
        return ConversationHandler.END
    return await cancel_with(update, context, None)


async def cancel_with(update: Update, context: BotContext, note: str | None) -> int:
    """Cancels the order in the scratch with its ready reason (if any) and the note."""
    draft = context.scratch.pop("opo", None) or {}
    order_id = draft["order"]
    code = draft.get("code")
    done = context.tr._("Cancelled. The stock is back on sale and the buyer is being told.")
    notice = await move(update, context, order_id, cancel_order, done, note=note, reason_code=code)
    await show_order(update, context, order_id, notice)
    return ConversationHandler.END


TEXT = filters.TEXT & ~filters.COMMAND


def conversation() -> ConversationHandler[BotContext]:
    """The typed steps: carrier and tracking number, a reason to cancel, what to find."""
    return dialogue(
        "operator_orders",
        [
            SHIPPING.entry(),
            routes.OPS_ORDER_CANCEL.handler(start_cancel),
            routes.OPS_ORDER_FIND.handler(ask_find),
        ],
        {
            **SHIPPING.states(),
            REASON: [
                MessageHandler(TEXT, got_reason),
                routes.OPS_ORDER_REASON.handler(chose_reason),
            ],
            NOTE: [
                MessageHandler(TEXT, got_reason),
                routes.OPS_ORDER_NO_NOTE.handler(without_note),
            ],
            FIND: [MessageHandler(TEXT, got_find)],
        },
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

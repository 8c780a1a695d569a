"""The buyer's orders: /orders, one order with its timeline, /track, paying and cancelling,
status notifications in the buyer's language, and the job that expires unpaid orders."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import BaseHandler, CommandHandler, ContextTypes

from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.notify import AnyApp, Outgoing
from handlers.kit import routes
from handlers.kit.common import back_button, button, esc, keyboard, menu_row, person, show
from handlers.kit.roles import has_role
from handlers.kit.tracking import delivery_estimate, track_row
from handlers.payment.offline import checking_text, lapsed_hint
from handlers.payment.step import ask_for_payment
from models.catalog.places import localized
from models.core.payments import pending_proof
from models.core.user import Role
from models.shop.carriers import carrier_name
from models.shop.orders import (
    BUYER_CANCELLABLE,
    PAYMENT_KIND,
    Order,
    OrderDetail,
    OrderError,
    OrderEvent,
    OrderItem,
    OrderStatus,
    cancel_by_buyer,
    expire_orders,
    list_orders,
    order_detail,
)
from models.shop.shipping import Rate, delivery_days

log = logging.getLogger(__name__)

EXPIRY_INTERVAL_SECONDS = 60
STATUS = {
    OrderStatus.AWAITING_PAYMENT: ("⏳", N_("Awaiting payment")),
    OrderStatus.PAID: ("💰", N_("Paid")),
    OrderStatus.PACKED: ("📦", N_("Packed")),
    OrderStatus.SHIPPED: ("🚚", N_("Shipped")),
    OrderStatus.DELIVERED: ("✅", N_("Delivered")),
    OrderStatus.CANCELLED: ("✖️", N_("Cancelled")),
    OrderStatus.EXPIRED: ("⌛", N_("Expired: not paid in time")),
}
COUNTRY_NAMES = {"CN": N_("China"), "LA": N_("Laos")}
PAID_STATUSES = frozenset(
    {OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED}
)
ON_THE_WAY = frozenset(
    {OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.PACKED, OrderStatus.SHIPPED}
)


def status_label(tr: Translator, status: str) -> str:
    """A status's icon and name."""
    icon, name = STATUS.get(OrderStatus(status), ("", status))
    return f"{icon} {tr._(name)}"


def item_line(context: BotContext, item: OrderItem) -> str:
    """`2 × Name (unit) — ¥256.00`."""
    name = esc(localized(item, "name", context.lang))
    unit = localized(item, "unit", context.lang)
    label = context.tr.detail(name, esc(unit)) if unit else name
    return context.tr.then(
        f"{item.quantity} × {label}", context.tr.money(item.total_fen, item.currency)
    )


def order_text(
    context: BotContext,
    order: Order,
    items: Sequence[OrderItem],
    events: Sequence[OrderEvent] = (),
    route: tuple[str, str] | None = None,
) -> str:
    """One order: status, items, totals, address, tracking, the route's delivery estimate
    while it is not yet delivered, and timeline."""
    tr = context.tr
    lines = [
        "📦 <b>" + tr._("Order {number}").format(number=esc(order.number)) + "</b>",
        tr._("Status: {status}").format(status=status_label(tr, order.status)),
        "",
    ]
    lines += [item_line(context, item) for item in items]
    total = tr.price(order.total_fen, context.settings.lak_per_cny, order.currency)
    lines += [
        tr._("Subtotal: {amount}").format(amount=tr.money(order.subtotal_fen, order.currency)),
        tr._("Shipping: {amount}").format(amount=tr.money(order.shipping_fen, order.currency)),
        "<b>" + tr._("Total: {amount}").format(amount=total) + "</b>",
        "",
        tr._("Deliver to: {country}, {address}").format(
            country=tr._(COUNTRY_NAMES.get(order.country, order.country)),
            address=person(tr, order.address),
        ),
        tr._("Phone: {phone}").format(phone=person(tr, order.phone)),
    ]
    if order.note:
        lines.append(tr._("Note: {note}").format(note=esc(order.note)))
    if order.tracking_number:
        lines.append(
            tr._("Carrier: {carrier}, tracking number: {tracking}").format(
                carrier=esc(carrier_name(order.carrier, context.lang)),
                tracking=f"<code>{esc(order.tracking_number)}</code>",
            )
        )
    if route is not None and order.status in ON_THE_WAY:
        origin, country = route
        days = delivery_days(country=country, rates=context.settings.shipping_rates, origin=origin)
        lines += [delivery_estimate(tr, days)] if days else []
    if order.status == OrderStatus.AWAITING_PAYMENT:
        lines.append(tr._("Please pay by {time}.").format(time=tr.deadline(order.expires_at)))
    if events:
        lines += ["", "<b>" + tr._("History") + "</b>"]
        lines += [tr.then(tr.when(e.created_at), status_label(tr, e.to_status)) for e in events]
    return "\n".join(lines)


def detail_markup(context: BotContext, order: Order) -> Any:
    """Pay or cancel when possible, back to the list, main menu."""
    tr, rows = context.tr, []
    if order.status == OrderStatus.AWAITING_PAYMENT:
        rows.append(
            [button("💳 " + tr.pgettext("button", "Pay"), routes.ORDER_PAY.data(order_id=order.id))]
        )
    if order.status in BUYER_CANCELLABLE:
        rows.append(
            [
                button(
                    "✖️ " + tr.pgettext("button", "Cancel order"),
                    routes.ORDER_CANCEL.data(order_id=order.id),
                )
            ]
        )
    if order.status in PAID_STATUSES:
        rows.append(
            [
                button(
                    "🧾 " + tr.pgettext("button", "Receipt"),
                    routes.ORDER_RECEIPT.data(order_id=order.id),
                )
            ]
        )
    if order.tracking_number:
        rows.append(track_row(tr, order.carrier, order.tracking_number))
    rows.append([back_button(context, routes.ORDERS.data())])
    return keyboard(*rows, menu_row(context))


def not_found(context: BotContext) -> str:
    """The one answer for an unknown number and for someone else's order."""
    return context.tr._("There is no order with that number in your orders.")


def sender(update: Update) -> int:
    """The sender's Telegram id."""
    assert update.effective_user is not None
    return update.effective_user.id


async def show_orders(update: Update, context: BotContext) -> None:
    """Lists the user's latest orders with their status."""
    tr = context.tr
    orders = await context.db.run(list_orders, user_id=sender(update))
    if not orders:
        text = tr._("You have no orders yet.")
        shop = button("🧺 " + tr.pgettext("button", "Go to the shop"), "SHOP")
        await show(update, context, text, keyboard([shop], menu_row(context)))
        return
    lines = ["<b>" + tr._("Your orders") + "</b>"]
    rows = []
    for order in orders:
        total = tr.money(order.total_fen, order.currency)
        lines.append(
            f"\n<b>{esc(order.number)}</b> · {tr.day(order.created_at)}\n"
            f"{status_label(tr, order.status)} · {total}"
        )
        rows.append(
            [
                button(
                    f"{order.number} · {status_label(tr, order.status)}",
                    routes.ORDER.data(order_id=order.id),
                )
            ]
        )
    await show(update, context, "\n".join(lines), keyboard(*rows, menu_row(context)))


async def show_detail(update: Update, context: BotContext, notice: str | None = None) -> None:
    """Shows one of the user's orders (tapped in the list)."""
    order_id = routes.tapped(context, "order_id")
    detail = await context.db.run(order_detail, user_id=sender(update), order_id=order_id)
    await show_found(update, context, detail, notice)


async def show_found(
    update: Update, context: BotContext, detail: OrderDetail | None, notice: str | None = None
) -> None:
    """Shows an order, or the not-found answer."""
    if detail is None:
        markup = keyboard([back_button(context, routes.ORDERS.data())], menu_row(context))
        await show(update, context, not_found(context), markup)
        return
    text = order_text(context, detail.order, detail.items, detail.events, detail.route)
    if detail.order.status == OrderStatus.AWAITING_PAYMENT:
        proof = await context.db.run(pending_proof, kind=PAYMENT_KIND, target_id=detail.order.id)
        if proof is not None:  # the buyer said they paid: not a second payment to make
            text += f"\n\n📎 {checking_text(context.tr, proof.reference)}"
    if notice:
        text = f"<i>{notice}</i>\n\n{text}"
    await show(update, context, text, detail_markup(context, detail.order))


async def track(update: Update, context: BotContext) -> None:
    """`/track SBD-7KQ3-XM9A`: the order with that number, if it is the user's."""
    if not context.args:
        text = context.tr._("Send /track and the order number, for example /track {example}.")
        await show(
            update, context, text.format(example="SBD-7KQ3-XM9A"), keyboard(menu_row(context))
        )
        return
    if has_role(context, Role.OPERATOR):  # any order, by number, reference or buyer
        from handlers.backoffice.orders import find_and_show  # the back office builds on the shop

        await find_and_show(update, context, " ".join(context.args)[:80])
        return
    number = "".join(context.args)[:40]
    detail = await context.db.run(order_detail, user_id=sender(update), number=number)
    await show_found(update, context, detail)


async def pay_for(update: Update, context: BotContext, order: Order) -> None:
    """Opens the shared payment step for an order."""
    tr = context.tr
    await ask_for_payment(
        update,
        context,
        kind=PAYMENT_KIND,
        target_id=order.id,  # type: ignore[arg-type]
        title=tr._("Order {number}").format(number=order.number),
        description=tr._("Produce from the village, delivered to {country}.").format(
            country=tr._(COUNTRY_NAMES.get(order.country, order.country))
        ),
    )


async def pay(update: Update, context: BotContext) -> None:
    """The Pay button of an order awaiting payment."""
    query = update.callback_query
    assert query is not None
    detail = await context.db.run(
        order_detail, user_id=sender(update), order_id=routes.tapped(context, "order_id")
    )
    if detail is None or detail.order.status != OrderStatus.AWAITING_PAYMENT:
        await show_found(update, context, detail)
        return
    await query.answer()
    await pay_for(update, context, detail.order)


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Asks the buyer to confirm cancelling."""
    order_id = routes.tapped(context, "order_id")
    detail = await context.db.run(order_detail, user_id=sender(update), order_id=order_id)
    if detail is None:
        await show_found(update, context, None)
        return
    tr = context.tr
    text = tr._("Cancel order {number}? Its products go back on sale.").format(
        number=f"<b>{esc(detail.order.number)}</b>"
    )
    yes = button(
        "✖️ " + tr.pgettext("button", "Yes, cancel it"),
        routes.ORDER_CANCEL_YES.data(order_id=order_id),
    )
    keep = button("↩️ " + tr.pgettext("button", "No, keep it"), routes.ORDER.data(order_id=order_id))
    await show(update, context, text, keyboard([yes], [keep]))


async def do_cancel(update: Update, context: BotContext) -> None:
    """Cancels the buyer's order if it is not packed yet."""
    order_id = routes.tapped(context, "order_id")
    notice = None
    try:
        await context.db.run(cancel_by_buyer, order_id=order_id, user_id=sender(update))
    except OrderError as exc:
        if exc.code != "not_found":
            notice = context.tr._("This order can no longer be cancelled.")
    await show_detail(update, context, notice)


# Ready reasons an operator cancels with; each buyer reads them in their own language.
CANCEL_REASON_TEXTS = {
    "sold_out": N_("Sold out: we cannot supply it this time"),
    "damaged": N_("The produce was damaged"),
    "unreachable": N_("We could not reach the address or the phone number"),
    "asked": N_("Cancelled as you asked"),
    "other": N_("Another reason"),
}


async def render_order_status(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """Tells the buyer, in their language, that their order moved on."""
    number = f"<b>{esc(params['number'])}</b>"
    texts = {
        OrderStatus.PAID: N_(
            "Payment received for order {number}. Thank you! It will be packed soon."
        ),
        OrderStatus.PACKED: N_("Order {number} is packed and will be shipped soon."),
        OrderStatus.SHIPPED: N_(
            "Order {number} is on its way with {carrier}. Tracking number: {tracking}"
        ),
        OrderStatus.DELIVERED: N_(
            "Order {number} has been delivered. Thank you for supporting the village!"
        ),
        OrderStatus.CANCELLED: N_("Order {number} has been cancelled."),
        OrderStatus.EXPIRED: N_("Order {number} was not paid in time and has been cancelled."),
    }
    status = OrderStatus(params["status"])
    text = tr._(texts[status]).format(
        number=number,
        carrier=esc(carrier_name(params.get("carrier"), tr.language)),
        tracking=f"<code>{esc(params.get('tracking') or '')}</code>",
    )
    code = params.get("reason_code")
    if code in CANCEL_REASON_TEXTS and code != "other":
        text += "\n" + tr._("Reason: {reason}").format(reason=tr._(CANCEL_REASON_TEXTS[code]))
        if params.get("reason"):
            text += "\n" + tr._("Note from the post office: {note}").format(
                note=esc(params["reason"])
            )
    elif params.get("reason"):
        text += "\n" + tr._("Reason: {reason}").format(reason=esc(params["reason"]))
    if params.get("refund"):
        text += "\n" + tr._("Your payment will be refunded.")
    rows: list[list[InlineKeyboardButton]] = []
    if status == OrderStatus.EXPIRED:
        hint, rows = await lapsed_hint(app, tr, "order", params["order_id"])
        text += f"\n{hint}" if hint else ""
    if status == OrderStatus.SHIPPED:
        estimate = shipped_estimate(tr, app.bot_data["settings"].shipping_rates, params)
        text += f"\n{estimate}" if estimate else ""
        rows.append(track_row(tr, params.get("carrier"), params.get("tracking")))
    view = button(
        "📦 " + tr.pgettext("button", "View order"), routes.ORDER.data(order_id=params["order_id"])
    )
    return Outgoing(text, keyboard(*rows, [view]))


def shipped_estimate(tr: Translator, rates: tuple[Rate, ...], params: dict[str, Any]) -> str:
    """How long the shipped parcel usually takes on its route (none for notices queued before
    the route was part of them)."""
    route = params.get("route")
    if not route:
        return ""
    origin, country = route
    return delivery_estimate(tr, delivery_days(country=country, rates=rates, origin=origin))


async def expiry_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: expire unpaid orders past their time."""
    count = await context.application.bot_data["db"].run(expire_orders)
    if count:
        log.info("expired %d unpaid orders", count)


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The orders' handlers, for `bot.app.journey_handlers`."""
    return [
        CommandHandler("orders", show_orders),
        CommandHandler("track", track),
        routes.ORDERS.handler(show_orders),
        routes.ORDER.handler(show_detail),
        routes.ORDER_PAY.handler(pay),
        routes.ORDER_CANCEL.handler(ask_cancel),
        routes.ORDER_CANCEL_YES.handler(do_cancel),
    ]

"""The post office's back office in the chat: payments to confirm, farmers' invites, operators."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import BaseHandler, CommandHandler, filters
from telegram.helpers import create_deep_linked_url

from bot.clean import MAX_TELEGRAM_ID, bounded_int
from bot.commands import set_chat_commands
from bot.context import BotContext
from handlers.kit import routes
from handlers.kit.common import back_button, button, esc, keyboard, menu_row, show
from handlers.kit.roles import operator_only
from handlers.kit.users import forget
from handlers.payment.offline import KIND_NAMES
from models.catalog.places import localized
from models.core.payments import (
    Payment,
    PaymentError,
    confirm_offline_payment,
)
from models.core.roles import (
    RoleError,
    create_farmer_invite,
    find_user,
    list_farmers,
    make_operator,
    redeem_farmer_invite,
)
from models.core.user import Role
from models.payment.methods import QueueEntry, queue_entries

LONGEST_REFERENCE = 32  # P7KQ3XM9A, perhaps typed with spaces or dashes
LONGEST_WHO = 33  # @ and a username of up to 32 characters; ids have at most 16 digits


def back_office_buttons(context: BotContext) -> list[list[InlineKeyboardButton]]:
    """The back office's daily work, one button a row: it fits one phone screen."""
    tr = context.tr
    return [
        [button("💳 " + tr._("Payments to confirm"), routes.PAYMENTS.data())],
        [button("✉️ " + tr._("Messages from buyers"), routes.HELP_INBOX.data())],
        [button("🔎 " + tr._("Find an order"), routes.OPS_ORDER_FIND.data())],
        [button("🚚 " + tr._("Orders to ship"), routes.OPS_ORDERS.data(which="ready", page=0))],
        [button("📬 " + tr._("Orders on their way"), routes.OPS_ORDERS.data(which="sent", page=0))],
        [button("🧺 " + tr._("Harvests to ship"), routes.HARVESTS.data(which="ready", page=0))],
        [button("🏷 " + tr._("Products: stock and prices"), routes.OPS_PRODUCTS.data())],
    ]


def more_tools_buttons(context: BotContext) -> list[list[InlineKeyboardButton]]:
    """The tools needed now and then: ways to pay, announcements, farmers, figures, exports."""
    tr = context.tr
    return [
        [button("🏦 " + tr._("Ways to pay"), routes.PAY_METHODS.data())],
        [button("📣 " + tr._("Broadcast an announcement"), routes.BROADCAST.data())],
        [button("👩‍🌾 " + tr._("Farmers and invite links"), routes.FARMERS.data())],
        [button("📊 " + tr._("Statistics"), routes.STATS.data())],
        [button("📄 " + tr._("Export orders (CSV)"), routes.EXPORT.data(kind="orders"))],
        [button("📄 " + tr._("Export adoptions (CSV)"), routes.EXPORT.data(kind="adoptions"))],
    ]


@operator_only
async def back_office(update: Update, context: BotContext) -> None:
    """Shows the operator's menu: the daily work, then "More tools" beside the main menu."""
    tr = context.tr
    text = tr._("<b>Back office</b>\nWhat would you like to do?")
    more = button("🧰 " + tr.pgettext("button", "More tools"), routes.BACK_OFFICE_MORE.data())
    rows = [*back_office_buttons(context), [more, *menu_row(context)]]
    await show(update, context, text, keyboard(*rows))


@operator_only
async def more_tools(update: Update, context: BotContext) -> None:
    """The back office's second screen, with a way back to the first."""
    tr = context.tr
    text = tr._(
        "<b>More tools</b>\nTo make someone an operator, send /makeoperator followed by "
        "their numeric id or @username."
    )
    back = back_button(context, routes.BACK_OFFICE.data())
    await show(
        update, context, text, keyboard(*more_tools_buttons(context), [back, *menu_row(context)])
    )


def payment_line(context: BotContext, entry: QueueEntry) -> str:
    """One payment: reference, amount, what it pays for, when; then who pays and the order
    number or tree code."""
    tr, payment = context.tr, entry.payment
    kinds = {"adoption": tr._("tree adoption"), "order": tr._("produce order")}
    line = tr._("{reference} · {amount} · {kind} · since {when}").format(
        reference=esc(payment.reference),
        amount=tr.money(payment.amount_fen, payment.currency),
        kind=kinds.get(payment.kind, payment.kind),
        when=tr.when(payment.created_at),
    )
    number = entry.info.number if entry.info else "—"
    who = tr._("Buyer: {name}").format(name=esc(entry.buyer_name or "—"))
    what = tr._("For: {what} {number}").format(
        what=tr._(KIND_NAMES.get(payment.kind, KIND_NAMES["order"])), number=esc(number)
    )
    return f"{proof_mark(payment)} {line}".strip() + f"\n    👤 {who} · {what}"


def proof_mark(payment: Payment) -> str:
    """📎 a slip was sent, 🏤 paid at the counter (says the buyer), ⌛ the hold ran out."""
    mark = {"slip": "📎", "counter": "🏤"}.get(payment.proof_kind or "", "")
    return mark + ("⌛" if payment.status == "cancelled" else "")


@operator_only
async def payments_to_confirm(update: Update, context: BotContext) -> None:
    """Lists offline payments waiting for an operator, each with a confirm button."""
    await show_payments(update, context)


async def show_payments(update: Update, context: BotContext, notice: str = "") -> None:
    """The list of payments to confirm, after an optional notice line."""
    tr = context.tr
    entries = await context.db.run(queue_entries, limit=20)
    payments = [entry.payment for entry in entries]
    lines = [notice] if notice else []
    if payments:
        lines.append(
            tr._(
                "<b>Payments to confirm</b>\nConfirm only money you have received. "
                "📎 the buyer sent a slip, 🏤 the buyer paid at the counter, ⌛ the hold ran "
                "out. Tap one to see it. You can also send /confirm followed by the reference."
            )
        )
        lines += [payment_line(context, entry) for entry in entries]
    else:
        lines.append(tr._("No payments are waiting for confirmation."))
    rows = [
        [
            button(
                f"{proof_mark(p) or '💳'} {p.reference}",
                routes.PAYMENT_VIEW.data(reference=p.reference),
            )
        ]
        for p in payments
    ]
    await show(
        update,
        context,
        "\n".join(lines),
        keyboard(*rows, [back_button(context, routes.BACK_OFFICE.data())], menu_row(context)),
    )


async def _confirm(context: BotContext, reference: str, operator_id: int) -> tuple[str, bool]:
    """Confirms a payment; returns the operator's message about it, and whether it is late
    money whose order or tree is gone (the operator then chooses what to do)."""
    tr = context.tr
    try:
        settlement = await context.db.run(
            confirm_offline_payment, reference=reference, operator_id=operator_id
        )
    except PaymentError as exc:
        if exc.code == "unknown":
            text = tr._("No payment has the reference {reference}.")
            return text.format(reference=esc(reference)), False
        if exc.code == "late_unavailable":
            late = tr._(
                "Payment {reference} came after the hold ran out, and what it paid for is "
                "no longer available. Note a refund, or offer the buyer to choose again."
            )
            return late.format(reference=esc(reference)), True
        text = tr._("Payment {reference} can no longer be confirmed (expired or cancelled).")
        return text.format(reference=esc(reference)), False
    payment = settlement.payment
    if not settlement.new:
        text = tr._("Payment {reference} was already confirmed.")
        return text.format(reference=esc(payment.reference)), False
    if payment.status != "paid":
        text = tr._(
            "Payment {reference} recorded, but what it paid for is no longer "
            "available: refund {amount} to the buyer."
        )
        amount = tr.money(payment.amount_fen, payment.currency)
        return text.format(reference=esc(payment.reference), amount=amount), False
    text = tr._("✅ Payment {reference} confirmed ({amount}). The buyer is being told.")
    amount = tr.money(payment.amount_fen, payment.currency)
    return text.format(reference=esc(payment.reference), amount=amount), False


@operator_only
async def confirm_payment_button(update: Update, context: BotContext) -> None:
    """Confirms the payment whose button was tapped (late money that finds its order or tree
    gone gets the choice of a refund or a new choice)."""
    assert update.effective_user is not None
    reference = routes.text_field(context, "reference")
    notice, late = await _confirm(context, reference, update.effective_user.id)
    if late:
        from handlers.backoffice.payments import late_markup  # it builds on this module

        await show(update, context, notice, late_markup(context, reference))
        return
    await show_payments(update, context, notice)


@operator_only
async def confirm_payment_command(update: Update, context: BotContext) -> None:
    """/confirm REF: confirms an offline payment by its reference."""
    assert update.effective_user is not None and update.effective_chat is not None
    reference = context.args[0] if context.args else ""
    if not reference or len(reference) > LONGEST_REFERENCE:  # never echo a page of text back
        text = context.tr._(
            "Send /confirm followed by the payment reference, e.g. /confirm P7KQ3XM9A."
        )
    else:
        text, late = await _confirm(context, reference, update.effective_user.id)
        if late:
            from handlers.backoffice.payments import late_markup  # it builds on this module

            code = reference.replace(" ", "").replace("-", "").upper()
            await context.bot.send_message(
                update.effective_chat.id, text, reply_markup=late_markup(context, code)
            )
            return
    await context.bot.send_message(
        update.effective_chat.id,
        text,
        reply_markup=keyboard(
            [button("🏤 " + context.tr._("Back office"), routes.BACK_OFFICE.data())]
        ),
    )


@operator_only
async def farmers(update: Update, context: BotContext) -> None:
    """Lists the farmers; tapping one makes a one-time invite link for them."""
    tr = context.tr
    rows = []
    for farmer, village in await context.db.run(list_farmers):
        mark = "✅" if farmer.telegram_id else "✉️"
        label = (
            f"{mark} {localized(farmer, 'name', context.lang)} · "
            f"{localized(village, 'name', context.lang)}"
        )
        rows.append([button(label, routes.FARMER_INVITE.data(farmer_id=farmer.id))])
    text = tr._(
        "<b>Farmers</b>\n✅ linked to a Telegram account · ✉️ not yet.\nTap a farmer to "
        "create a one-time invite link to send them."
    )
    await show(
        update,
        context,
        text,
        keyboard(*rows, [back_button(context, routes.BACK_OFFICE_MORE.data())]),
    )


@operator_only
async def invite_farmer(update: Update, context: BotContext) -> None:
    """Creates a single-use, expiring invite link for the tapped farmer."""
    assert update.effective_user is not None
    farmer_id = routes.tapped(context, "farmer_id")
    invite = await context.db.run(
        create_farmer_invite, farmer_id=farmer_id, created_by=update.effective_user.id
    )
    link = create_deep_linked_url(context.bot.username, f"farmer_{invite.token}")
    text = context.tr._(
        "Send this link to the farmer. It works once, for the first account that opens it, "
        "until {expires}:\n{link}"
    ).format(expires=context.tr.when(invite.expires_at), link=esc(link))
    await show(update, context, text, keyboard([back_button(context, routes.FARMERS.data())]))


@operator_only
async def make_operator_command(update: Update, context: BotContext) -> None:
    """/makeoperator ID|@username: gives another user the operator role."""
    tr = context.tr
    assert update.effective_chat is not None
    who = context.args[0] if context.args else ""
    if not who or len(who) > LONGEST_WHO:
        text = tr._(
            "Send /makeoperator followed by the user's numeric id or @username. They "
            "must have started the bot first."
        )
    else:
        no_such_id = who.lstrip("-").isdigit() and bounded_int(who, 1, MAX_TELEGRAM_ID) is None
        user = None if no_such_id else await context.db.run(find_user, who=who)
        if user is None:
            text = tr._("No user {who} has talked to the bot yet.").format(who=esc(who))
        else:
            user = await context.db.run(make_operator, telegram_id=user.id)
            forget(context, user.id)
            text = tr._("{name} is now an operator.").format(name=esc(user.display_name))
            await set_chat_commands(context.bot, user.id, user.language, user.role)
    await context.bot.send_message(update.effective_chat.id, text)


async def redeem_invite(update: Update, context: BotContext) -> None:
    """/start farmer_<token>: binds this account to the farmer the invite was made for."""
    assert update.effective_user is not None and context.args
    token = context.args[0].removeprefix("farmer_")
    tr = context.tr
    try:
        farmer, village = await context.db.run(
            redeem_farmer_invite, token=token, telegram_id=update.effective_user.id
        )
    except RoleError as exc:
        text = {
            "other_farmer": tr._("This Telegram account is already linked to another farmer."),
            "used": tr._(
                "This invite link has already been used. Ask the post office for a new one."
            ),
        }.get(
            exc.code,
            tr._(
                "This invite link is not valid or has expired. Ask the post office for a new one."
            ),
        )
        await show(update, context, text, keyboard(menu_row(context)))
        return
    forget(context, update.effective_user.id)
    role = context.account.role if context.account else Role.BUYER
    role = Role.OPERATOR if role == Role.OPERATOR else Role.FARMER  # as redeem_farmer_invite sets
    await set_chat_commands(context.bot, update.effective_user.id, context.lang, role)
    text = tr._(
        "Welcome, {name}! Your account is now linked to {village} as a farmer. Open "
        "the main menu to see the orders for your produce."
    ).format(
        name=esc(localized(farmer, "name", context.lang)),
        village=esc(localized(village, "name", context.lang)),
    )
    await show(update, context, text, keyboard(menu_row(context)))


def deep_links() -> list[BaseHandler[Any, BotContext, Any]]:
    """`/start farmer_<token>`: a farmer's invite, before the generic /start."""
    return [CommandHandler("start", redeem_invite, filters.Regex(r"^/start farmer_"))]


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The back office's menu, payments to confirm, farmers' invites, /makeoperator."""
    return [
        CommandHandler("ops", back_office),
        routes.BACK_OFFICE.handler(back_office),
        routes.BACK_OFFICE_MORE.handler(more_tools),
        routes.PAYMENTS.handler(payments_to_confirm),
        routes.PAYMENT_CONFIRM.handler(confirm_payment_button),
        CommandHandler("confirm", confirm_payment_command),
        routes.FARMERS.handler(farmers),
        routes.FARMER_INVITE.handler(invite_farmer),
        CommandHandler("makeoperator", make_operator_command),
    ]

"""One payment in the operators' queue: what it pays for, the buyer, the slip photo; confirm,
reject with a reason (and an optional note), or settle money that came after the hold."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.notify import AnyApp, Outgoing
from handlers.backoffice.home import show_payments
from handlers.kit import routes
from handlers.kit.common import (
    back_button,
    button,
    esc,
    keyboard,
    menu_row,
    show,
    with_answer,
)
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from handlers.payment.offline import KIND_NAMES, REASONS, method_label
from models.core.payments import (
    REJECT_REASONS,
    PaymentError,
    PaymentStatus,
    reject_proof,
    settle_late_payment,
)
from models.payment.methods import QueueEntry, queue_entry

CAPTION_LIMIT = 1024
MAX_NOTE = 300
REASON_ICONS = {"not_received": "💸", "wrong_amount": "🔢", "unreadable": "🌫", "other": "❓"}
REASON_BUTTONS = {
    "not_received": N_("Money not received"),
    "wrong_amount": N_("Wrong amount"),
    "unreadable": N_("Slip unreadable"),
    "other": N_("Cannot match it"),
}


class Step(IntEnum):
    """The typed step of rejecting: the optional note."""

    NOTE = 1


def entry_text(context: BotContext, entry: QueueEntry) -> str:
    """The payment's facts for the operator."""
    tr, payment = context.tr, entry.payment
    what = tr._(KIND_NAMES.get(payment.kind, KIND_NAMES["order"]))
    number = entry.info.number if entry.info else "—"
    lines = [
        "<b>" + tr._("Payment {reference}").format(reference=esc(payment.reference)) + "</b>",
        tr._("For: {what} {number}").format(what=what, number=f"<b>{esc(number)}</b>"),
        tr._("Amount: {amount}").format(amount=tr.money(payment.amount_fen, payment.currency)),
        tr._("Buyer: {name}").format(name=esc(entry.buyer_name or "—")),
        tr._("Opened: {time}").format(time=tr.when(payment.created_at)),
    ]
    if entry.method is not None:
        lines.append(
            tr._("Method: {method}").format(method=esc(method_label(entry.method, context.lang)))
        )
    if payment.proof_at is not None:
        said = (
            tr._("Slip photo sent: {time}")
            if payment.proof_kind == "slip"
            else tr._("Paid at the counter, says the buyer: {time}")
        )
        lines.append(said.format(time=tr.when(payment.proof_at)))
    else:
        lines.append(tr._("The buyer has not said they paid yet."))
    if payment.status == PaymentStatus.CANCELLED:
        lines.append("⌛ " + tr._("The hold ran out before the payment was confirmed."))
    elif entry.info is not None and entry.info.deadline is not None:
        lines.append(tr._("Held until: {time}").format(time=tr.when(entry.info.deadline)))
    return "\n".join(lines)


def entry_markup(context: BotContext, entry: QueueEntry) -> InlineKeyboardMarkup:
    """Confirm, reject (when the buyer sent a proof), back to the queue."""
    tr, reference = context.tr, entry.payment.reference
    rows = [
        [
            button(
                "✅ " + tr._("Confirm: money received"),
                routes.PAYMENT_CONFIRM.data(reference=reference),
            )
        ]
    ]
    if entry.payment.proof_at is not None:
        rows.append(
            [button("✖️ " + tr._("Reject"), routes.PAYMENT_REJECT.data(reference=reference))]
        )
    rows.append([back_button(context, routes.PAYMENTS.data())])
    return keyboard(*rows)


@operator_only
async def view_payment(update: Update, context: BotContext) -> None:
    """Shows one payment of the queue, with the slip photo when there is one."""
    reference = routes.text_field(context, "reference")
    entry = await context.db.run(queue_entry, reference=reference)
    if entry is None:
        await show_payments(update, context)
        return
    text, markup = entry_text(context, entry), entry_markup(context, entry)
    if entry.payment.proof_file_id:
        assert update.effective_chat is not None
        slip = context.bot.send_photo(
            update.effective_chat.id,
            entry.payment.proof_file_id,
            caption=text[:CAPTION_LIMIT],
            reply_markup=markup,
        )
        await with_answer(update, slip)
        return
    await show(update, context, text, markup)


@operator_only
async def ask_reason(update: Update, context: BotContext) -> None:
    """Rejecting: the ready reasons, each translated for the buyer."""
    reference = routes.text_field(context, "reference")
    tr = context.tr
    rows = [
        [
            button(
                f"{REASON_ICONS[code]} {tr._(REASON_BUTTONS[code])}",
                routes.PAYMENT_REJECT_WHY.data(reference=reference, reason=code),
            )
        ]
        for code in REJECT_REASONS
    ]
    rows.append([back_button(context, routes.PAYMENT_VIEW.data(reference=reference))])
    text = tr._(
        "Why is payment {reference} rejected? The buyer is told in their own language."
    ).format(reference=esc(reference))
    await show(update, context, text, keyboard(*rows))


@operator_only
async def ask_note(update: Update, context: BotContext) -> int:
    """After the reason: an optional note for the buyer."""
    reference = routes.text_field(context, "reference")
    context.scratch["ops_reject"] = [reference, routes.text_field(context, "reason")]
    tr = context.tr
    text = tr._(
        "Send a short note for the buyer (it is shown as you write it), or send the rejection "
        "without a note."
    )
    markup = keyboard(
        [button("📨 " + tr._("Send without a note"), routes.PAYMENT_REJECT_SEND.data())],
        [back_button(context, routes.PAYMENT_REJECT.data(reference=reference))],
    )
    await show(update, context, text, markup)
    return Step.NOTE


@operator_only
async def got_note(update: Update, context: BotContext) -> int:
    """Rejects with the typed note."""
    assert update.effective_message is not None
    note = (update.effective_message.text or "").strip()
    if len(note) > MAX_NOTE:
        text = context.tr._("That note is too long: at most {count} characters.").format(
            count=MAX_NOTE
        )
        await show(update, context, text)
        return Step.NOTE
    return await reject(update, context, note or None)


@operator_only
async def without_note(update: Update, context: BotContext) -> int:
    """Rejects with the reason alone."""
    return await reject(update, context, None)


async def reject(update: Update, context: BotContext, note: str | None) -> int:
    """Rejects the proof and shows the queue."""
    assert update.effective_user is not None
    pending = context.scratch.pop("ops_reject", None)
    if not pending:
        await show_payments(update, context)
        return ConversationHandler.END
    reference, reason = pending
    tr = context.tr
    try:
        await context.db.run(
            reject_proof,
            reference=reference,
            operator_id=update.effective_user.id,
            reason=reason,
            note=note,
        )
    except PaymentError:
        notice = tr._("Payment {reference} can no longer be rejected.").format(
            reference=esc(reference)
        )
    else:
        notice = tr._("Payment {reference} rejected: {reason}. The buyer is being told.").format(
            reference=esc(reference), reason=tr._(REASONS.get(reason, REASONS["other"]))
        )
    await show_payments(update, context, notice)
    return ConversationHandler.END


def late_markup(context: BotContext, reference: str) -> InlineKeyboardMarkup:
    """The choice for money that came too late: note a refund, or offer to choose again."""
    tr = context.tr
    return keyboard(
        [
            button(
                "↩️ " + tr._("Note a refund"),
                routes.PAYMENT_LATE.data(reference=reference, outcome="refund"),
            )
        ],
        [
            button(
                "🔁 " + tr._("Offer to choose again"),
                routes.PAYMENT_LATE.data(reference=reference, outcome="reoffer"),
            )
        ],
        [back_button(context, routes.PAYMENTS.data())],
        menu_row(context),
    )


@operator_only
async def settle_late(update: Update, context: BotContext) -> None:
    """Records late money as due for a refund and tells the buyer the chosen way."""
    assert update.effective_user is not None
    reference = routes.text_field(context, "reference")
    outcome = routes.text_field(context, "outcome")
    tr = context.tr
    try:
        payment = await context.db.run(
            settle_late_payment,
            reference=reference,
            operator_id=update.effective_user.id,
            outcome=outcome,
        )
    except PaymentError:
        notice = tr._("Payment {reference} can no longer be settled this way.").format(
            reference=esc(reference)
        )
    else:
        notice = (
            tr._(
                "Payment {reference}: {amount} kept for the buyer, who is asked to choose "
                "again or to ask for a refund."
            )
            if payment.note == "reoffer"
            else tr._(
                "Payment {reference}: {amount} noted as due back to the buyer, who is being told."
            )
        ).format(reference=esc(reference), amount=tr.money(payment.amount_fen, payment.currency))
    await show_payments(update, context, notice)


async def render_proof(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """Tells each operator, in their language, that a buyer says they have paid."""
    text = (
        tr._("📎 {buyer} sent a slip for payment {reference} ({amount}).")
        if params["proof"] == "slip"
        else tr._("🏤 {buyer} says they paid {reference} ({amount}) at the counter.")
    ).format(
        buyer=esc(params["buyer"] or "—"),
        reference=f"<code>{esc(params['reference'])}</code>",
        amount=tr.money(params["amount_fen"], params["currency"]),
    )
    target = routes.PAYMENT_VIEW.data(reference=params["reference"])
    view = button("💳 " + tr._("Open the payment"), target)
    return Outgoing(text, keyboard([view]))


def conversation() -> ConversationHandler[BotContext]:
    """Rejecting a proof: the reason tapped, then an optional typed note."""
    return dialogue(
        "operator_reject",
        [routes.PAYMENT_REJECT_WHY.handler(ask_note)],
        {
            Step.NOTE: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, got_note),
                routes.PAYMENT_REJECT_SEND.handler(without_note),
            ]
        },
        scratch="ops_reject",
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The payment's screen, rejecting, late money."""
    return [
        conversation(),
        routes.PAYMENT_VIEW.handler(view_payment),
        routes.PAYMENT_REJECT.handler(ask_reason),
        routes.PAYMENT_LATE.handler(settle_late),
    ]

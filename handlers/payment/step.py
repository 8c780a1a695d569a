"""The payment step shared by adoptions and orders: a Telegram invoice, or offline payment.

With PAYMENT_PROVIDER_TOKEN the buyer gets an invoice for a thing priced in yuan (CNY, amounts in
fen, Telegram's exponent 2); a thing priced in kip is paid offline even then (the provider takes
yuan; see INVOICE_CURRENCIES). The pre-checkout
query is answered at once after checking the thing is still payable; a successful payment is
recorded once per charge id. Without a token the buyer pays at the post office or by transfer,
quoting a reference code, and an operator confirms it. What happens once paid (a certificate, an
order confirmation) is queued by the payable itself in the outbox.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import LabeledPrice, Update
from telegram.ext import BaseHandler, MessageHandler, PreCheckoutQueryHandler, filters

from bot.context import BotContext
from handlers.kit.common import esc, keyboard, menu_row
from handlers.payment import offline
from models.core.payments import (
    Payment,
    PaymentError,
    PaymentMethod,
    check_payable,
    open_payment,
    payable_currency,
    record_telegram_payment,
)

log = logging.getLogger(__name__)
# Currencies invoiced through Telegram, whose amounts Telegram counts in the same minor unit as
# ours (CNY: fen, exponent 2). Kip is stored whole and the yuan provider cannot take it.
INVOICE_CURRENCIES = frozenset({"CNY"})


def refusal(context: BotContext, code: str) -> str:
    """The user's message for a payment that cannot go ahead."""
    tr = context.tr
    messages = {
        "unknown": tr._("This payment is not known. Please start again from the menu."),
        "already_paid": tr._("This has already been paid. Thank you!"),
        "not_payable": tr._(
            "This can no longer be paid: the reservation has expired or was "
            "cancelled. Please start again from the menu."
        ),
        "amount_changed": tr._("The amount has changed. Please start the payment again."),
    }
    return messages.get(code, messages["unknown"])


async def ask_for_payment(
    update: Update,
    context: BotContext,
    *,
    kind: str,
    target_id: int,
    title: str,
    description: str,
) -> Payment | None:
    """Opens the payment and shows the invoice or the offline instructions; None if refused."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    token = context.settings.payment_provider_token
    if token and await context.db.run(payable_currency, kind=kind, target_id=target_id) not in (
        INVOICE_CURRENCIES
    ):
        token = None  # priced in kip: paid the way Lao buyers pay, at the village's methods
    method = PaymentMethod.TELEGRAM if token else PaymentMethod.OFFLINE
    try:
        payment = await context.db.run(
            open_payment, kind=kind, target_id=target_id, user_id=user.id, method=method
        )
    except PaymentError as exc:
        await context.bot.send_message(chat.id, refusal(context, exc.code))
        return None
    if token:
        await context.bot.send_invoice(
            chat.id,
            title=title[:32],
            description=description[:255],
            payload=payment.reference,
            currency=payment.currency,
            prices=[LabeledPrice(title[:32], payment.amount_fen)],
            provider_token=token,
        )
    elif not await offline.send_offer(update, context, payment):  # a village without methods
        await context.bot.send_message(
            chat.id,
            offline_instructions(context, payment),
            reply_markup=keyboard(menu_row(context)),
        )
    return payment


def offline_instructions(context: BotContext, payment: Payment) -> str:
    """How to pay at the post office or by bank transfer, with the reference code."""
    return context.tr._(
        "To pay {amount}, quote the reference <code>{reference}</code> at the village post "
        "office counter or in your bank transfer. The post office staff will confirm the "
        "payment and you will get a message here."
    ).format(
        amount=context.tr.money(payment.amount_fen, payment.currency),
        reference=esc(payment.reference),
    )


async def precheckout(update: Update, context: BotContext) -> None:
    """Answers Telegram's pre-checkout query: yes if the thing is still payable at that amount."""
    query = update.pre_checkout_query
    assert query is not None
    try:
        reason = await context.db.run(
            check_payable,
            reference=query.invoice_payload,
            user_id=query.from_user.id,
            amount=query.total_amount,
        )
    except Exception:
        log.exception("pre-checkout check failed")
        reason = "unknown"
    if reason is None:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=refusal(context, reason))


async def successful_payment(update: Update, context: BotContext) -> None:
    """Records a Telegram payment (once per charge id) and thanks the buyer."""
    message = update.effective_message
    assert message is not None and message.successful_payment is not None
    paid = message.successful_payment
    try:
        settlement = await context.db.run(
            record_telegram_payment,
            reference=paid.invoice_payload,
            user_id=message.chat.id,
            amount=paid.total_amount,
            charge_id=paid.telegram_payment_charge_id,
            provider_charge_id=paid.provider_payment_charge_id,
        )
    except PaymentError:
        log.error("payment for unknown reference; charge recorded by Telegram only")
        await message.reply_text(
            context.tr._("We received a payment we cannot match. The post office will contact you.")
        )
        return
    if not settlement.new:
        return  # the same payment delivered twice: already thanked
    await message.reply_text(
        context.tr._("Payment received: {amount}. Thank you! Reference: {reference}").format(
            amount=context.tr.money(settlement.payment.amount_fen, settlement.payment.currency),
            reference=esc(settlement.payment.reference),
        ),
        reply_markup=keyboard(menu_row(context)),
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Telegram's pre-checkout query and the successful payment message."""
    return [
        PreCheckoutQueryHandler(precheckout),
        MessageHandler(filters.SUCCESSFUL_PAYMENT, successful_payment),
    ]

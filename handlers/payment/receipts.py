"""Receipts: a picture sent as a photo once a payment is confirmed, and again from /orders
and /mytrees."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.context import BotContext
from bot.i18n import Translator
from bot.notify import AnyApp, Outgoing
from bot.render.receipt import ReceiptContent, render_receipt
from handlers.kit import routes
from handlers.kit.common import back_button, keyboard, menu_row, show
from handlers.payment.offline import ICONS
from models.catalog.places import localized
from models.payment.methods import MethodKind
from models.payment.receipts import ReceiptFacts, receipt_facts, receipt_reference


def receipt_content(tr: Translator, facts: ReceiptFacts) -> ReceiptContent:
    """The receipt's text in the reader's language."""
    payment, lang = facts.payment, tr.language
    village = localized(facts.village, "name", lang) if facts.village else ""
    issuer = (
        tr._("{village} post office").format(village=village)
        if village
        else tr._("The village post office")
    )
    if facts.method is not None:
        icon = ICONS.get(MethodKind(facts.method.kind), "")
        method = f"{icon} {localized(facts.method, 'name', lang)}".strip()
    elif payment.method == "telegram":
        method = tr._("Paid in Telegram")
    else:
        method = tr._("Offline payment")
    number_label = tr._("Order number") if facts.kind == "order" else tr._("Certificate number")
    facts_rows = (
        (number_label, facts.number),
        (tr._("Payment reference"), payment.reference),
        (tr._("Paid by"), method),
        (tr._("Paid on"), tr.when(facts.paid_at) if facts.paid_at else "—"),
    )
    items = tuple(
        (
            f"{line.quantity} × {line.names.get(lang) or line.names.get('en') or line.names['zh']}",
            tr.money(line.amount_fen, payment.currency),
        )
        for line in facts.lines
    )
    if facts.kind == "order":
        items += ((tr._("Shipping"), tr.money(facts.shipping_fen, payment.currency)),)
    notes: tuple[str, ...] = ()
    share = facts.village.collective_share_pct if facts.village else 0
    if share:
        notes = (
            tr._("Of this, {amount} ({share}%) goes to the village collective.").format(
                amount=tr.money(facts.collective_fen, payment.currency), share=share
            ),
        )
    return ReceiptContent(
        title=tr._("Receipt"),
        issuer=issuer,
        facts=facts_rows,
        items=items,
        total=(tr._("Total paid"), tr.money(facts.total_fen, payment.currency)),
        notes=notes,
        footer=tr._("Thank you for supporting the village!"),
    )


async def receipt_png(tr: Translator, facts: ReceiptFacts) -> bytes:
    """Draws the receipt off the event loop."""
    return await asyncio.to_thread(render_receipt, receipt_content(tr, facts))


def caption(tr: Translator, facts: ReceiptFacts) -> str:
    """The photo's caption."""
    return "🧾 " + tr._("Your receipt for {number}. Thank you!").format(number=facts.number)


async def render_receipt_message(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """The receipt, sent as a photo, in the buyer's language."""
    facts = await app.bot_data["db"].run(receipt_facts, reference=params["reference"])
    if facts is None:  # refunded or gone since: nothing to show a receipt for
        text = tr._("Payment {reference} received. Thank you!")
        return Outgoing(text.format(reference=params["reference"]))
    return Outgoing(caption(tr, facts), photo=await receipt_png(tr, facts))


async def _send_again(
    update: Update, context: BotContext, kind: str, target_id: int, back: str, missing: str
) -> None:
    """Sends the receipt of the user's own paid order or adoption again; else says `missing`
    and sends nothing."""
    assert update.effective_user is not None and update.effective_chat is not None
    user_id = update.effective_user.id
    reference = await context.db.run(
        receipt_reference, kind=kind, target_id=target_id, user_id=user_id
    )
    facts = (
        await context.db.run(receipt_facts, reference=reference, user_id=user_id)
        if reference
        else None
    )
    if facts is None:
        await show(
            update, context, missing, keyboard([back_button(context, back)], menu_row(context))
        )
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.bot.send_photo(
        update.effective_chat.id,
        await receipt_png(context.tr, facts),
        caption=caption(context.tr, facts),
        reply_markup=keyboard([back_button(context, back)], menu_row(context)),
    )


async def resend(update: Update, context: BotContext) -> None:
    """/orders → a paid order → Receipt: sends the receipt picture again."""
    order_id = routes.tapped(context, "order_id")
    missing = context.tr._("This order has no receipt yet.")
    await _send_again(
        update, context, "order", order_id, routes.ORDER.data(order_id=order_id), missing
    )


async def resend_adoption(update: Update, context: BotContext) -> None:
    """/mytrees → a paid adoption → Receipt: sends the receipt picture again."""
    adoption_id = routes.tapped(context, "adoption_id")
    missing = context.tr._("This adoption has no receipt yet.")
    back = routes.MY_TREE.data(adoption_id=adoption_id)
    await _send_again(update, context, "adoption", adoption_id, back, missing)


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Resending a receipt."""
    return [
        routes.ORDER_RECEIPT.handler(resend),
        routes.MY_TREE_RECEIPT.handler(resend_adoption),
    ]


def renderers() -> dict[str, Any]:
    """The receipt sent once a payment is confirmed."""
    return {"payment_receipt": render_receipt_message}

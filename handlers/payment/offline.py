"""Offline payment: the village's ways to pay as buttons, the chosen one's QR code or details,
"I have paid" with a photo of the slip (or "I paid at the counter"), and the buyer's messages
about it (reminder, rejected proof, late payment, receipt) in their own language."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, ContextTypes, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.notify import AnyApp, Outgoing
from bot.render.payment_qr import sample_qr_png
from handlers.kit import routes
from handlers.kit.common import button, esc, keyboard, menu_row, show, with_answer
from handlers.kit.dialogues import dialogue
from models.catalog.places import localized
from models.core.money import CNY, LAK, convert
from models.core.payments import (
    Payment,
    PaymentError,
    ProofKind,
    choose_method,
    lapsed_payment,
    queue_payment_reminders,
    submit_proof,
)
from models.payment.methods import (
    MethodKind,
    Offer,
    VillagePaymentMethod,
    hold_hours_of,
    payment_offer,
)

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024  # Telegram's longest photo caption
QR_CACHE_KEY = "qr_photo_ids"  # bot_data: qr_cache_key -> the file_id Telegram gave the upload
ICONS = {
    MethodKind.WECHAT_QR: "💚",
    MethodKind.ALIPAY_QR: "💙",
    MethodKind.BANK_TRANSFER: "🏦",
    MethodKind.LAO_BANK_QR: "📱",
    MethodKind.COUNTER: "🏤",
}
KIND_NAMES = {"adoption": N_("tree adoption"), "order": N_("produce order")}
REASONS = {
    "not_received": N_("the money has not arrived in the account"),
    "wrong_amount": N_("the amount paid does not match"),
    "unreadable": N_("the photo cannot be read"),
    "other": N_("the post office could not match it to your order"),
}


class Step(IntEnum):
    """The one typed step: waiting for the slip photo."""

    SLIP = 1


def sender(update: Update) -> int:
    """The sender's Telegram id."""
    assert update.effective_user is not None
    return update.effective_user.id


def amount_text(
    tr: Translator, amount: int, currency: str, lak_per_cny: float, country: str | None = None
) -> str:
    """The amount in the village's currency, with the other one as an estimate at the stated
    rate: kip beside yuan for Lao readers and Lao villages, yuan beside kip for the others."""
    own = tr.money(amount, currency)
    if currency == CNY:
        other, wanted = LAK, tr.language == "lo" or country == "LA"
    else:
        other, wanted = CNY, tr.language != "lo"
    if not wanted:
        return own
    estimate = tr._("≈ {amount} at {rate} kip to the yuan").format(
        amount=tr.money(convert(amount, currency, other, lak_per_cny), other),
        rate=tr.number(lak_per_cny),
    )
    return f"{own} ({estimate})"


def method_label(method: VillagePaymentMethod, language: str) -> str:
    """A method's button: its icon and name in the reader's language."""
    return f"{ICONS.get(MethodKind(method.kind), '💳')} {localized(method, 'name', language)}"


def paying_for(context: BotContext, offer: Offer) -> str:
    """What the payment is for, with its village: a cart from two villages gets two offers."""
    tr = context.tr
    what = tr._(KIND_NAMES.get(offer.payment.kind, KIND_NAMES["order"]))
    number = offer.info.number if offer.info else ""
    line = tr._("For: {what} {number}").format(what=what, number=f"<b>{esc(number)}</b>")
    if offer.village is not None:
        line += " · " + esc(localized(offer.village, "name", context.lang))
    return line


def offer_text(context: BotContext, offer: Offer) -> str:
    """The choice of ways to pay: amount, reference, deadline."""
    tr, payment = context.tr, offer.payment
    lines = [
        "<b>" + tr._("How would you like to pay?") + "</b>",
        paying_for(context, offer),
        tr._("Amount: {amount}").format(
            amount=amount_text(
                tr,
                payment.amount_fen,
                payment.currency,
                context.settings.lak_per_cny,
                offer.village.country if offer.village else None,
            )
        ),
        tr._("Reference: <code>{reference}</code>").format(reference=esc(payment.reference)),
    ]
    if offer.info is not None and offer.info.deadline is not None:
        lines.append(tr._("Please pay by {time}.").format(time=tr.deadline(offer.info.deadline)))
    return "\n".join(lines)


def offer_markup(context: BotContext, offer: Offer) -> InlineKeyboardMarkup:
    """One button per enabled method, then the main menu."""
    reference = offer.payment.reference
    rows = [
        [
            button(
                method_label(m, context.lang),
                routes.PAY_WAY.data(reference=reference, method_id=m.id),
            )
        ]
        for m in offer.methods
    ]
    return keyboard(*rows, menu_row(context))


async def send_offer(update: Update, context: BotContext, payment: Payment) -> bool:
    """Shows the village's ways to pay for a new payment; False if the village has none."""
    offer = await context.db.run(payment_offer, reference=payment.reference)
    if offer is None or not offer.methods:
        return False
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id, offer_text(context, offer), reply_markup=offer_markup(context, offer)
    )
    return True


async def show_ways(update: Update, context: BotContext) -> None:
    """ "Other ways to pay": the choice again."""
    reference = routes.text_field(context, "reference")
    offer = await context.db.run(payment_offer, reference=reference, user_id=sender(update))
    if offer is None or not offer.methods:
        await show(update, context, refusal_text(context, "unknown"), keyboard(menu_row(context)))
        return
    await show(update, context, offer_text(context, offer), offer_markup(context, offer))


def refusal_text(context: BotContext, code: str) -> str:
    """Why a payment cannot go ahead (shared with the invoice step)."""
    from handlers.payment.step import refusal

    return refusal(context, code)


def method_text(
    context: BotContext, offer: Offer, method: VillagePaymentMethod, deadline: datetime | None
) -> str:
    """The chosen method: amount, what to write in the transfer note, details, deadline."""
    tr, payment = context.tr, offer.payment
    reference = f"<code>{esc(payment.reference)}</code>"
    lines = [
        "<b>" + esc(method_label(method, context.lang)) + "</b>",
        paying_for(context, offer),
        tr._("Amount: {amount}").format(
            amount=amount_text(
                tr,
                payment.amount_fen,
                payment.currency,
                context.settings.lak_per_cny,
                offer.village.country if offer.village else None,
            )
        ),
    ]
    if method.kind == MethodKind.COUNTER:
        lines.append(
            tr._("Say this reference at the counter: {reference}").format(reference=reference)
        )
    else:
        lines.append(
            tr._("Write this reference in the transfer note: {reference}").format(
                reference=reference
            )
        )
    if method.has_qr:
        lines.append(tr._("Scan the QR code above with the app, or save it and open it there."))
    if method.account_text:
        lines.append(tr._("Pay to: {account}").format(account=esc(method.account_text)))
    if method.counter_address:
        lines.append(tr._("Address: {address}").format(address=esc(method.counter_address)))
    if method.opening_hours:
        lines.append(tr._("Opening hours: {hours}").format(hours=esc(method.opening_hours)))
    if deadline is not None:
        lines.append(
            "<b>"
            + tr.ngettext(
                "We hold it for you for {hours} hour: please pay by {time}.",
                "We hold it for you for {hours} hours: please pay by {time}.",
                method.hold_hours,
            ).format(hours=method.hold_hours, time=tr.deadline(deadline))
            + "</b>"
        )
    if method.kind == MethodKind.COUNTER:
        lines.append(
            tr._(
                "Once you have paid, tap “I paid at the counter”, or “I have paid” to send a "
                "photo of the counter's receipt."
            )
        )
    else:
        lines.append(tr._("Once you have paid, tap “I have paid” and send a photo of the slip."))
    return "\n".join(lines)


def method_markup(
    context: BotContext, payment: Payment, method: VillagePaymentMethod
) -> InlineKeyboardMarkup:
    """I have paid, I paid at the counter (for the counter), other ways, the main menu."""
    tr, reference = context.tr, payment.reference
    rows = [
        [
            button(
                "📷 " + tr._("I have paid: send the slip"),
                routes.PAY_SLIP.data(reference=reference),
            )
        ]
    ]
    if method.kind == MethodKind.COUNTER:
        rows.append(
            [
                button(
                    "🏤 " + tr._("I paid at the counter"),
                    routes.PAY_COUNTER.data(reference=reference),
                )
            ]
        )
    rows.append(
        [button("⬅️ " + tr._("Other ways to pay"), routes.PAY_WAYS.data(reference=reference))]
    )
    return keyboard(*rows, menu_row(context))


def qr_cache_key(method: VillagePaymentMethod) -> str | None:
    """Names an uploaded QR picture for the file_id cache: the method and its picture's bytes
    (a new import replaces the picture, and so the key); None for an operator's photo."""
    if method.qr_file_id:
        return None
    if method.qr_image:
        return f"{method.id}:{hashlib.sha256(method.qr_image).hexdigest()[:16]}"
    if method.qr_sample:
        return f"{method.id}:sample:{method.kind}:{method.name_en or method.name_zh}"
    return None


def qr_photo(method: VillagePaymentMethod, cache: dict[str, str]) -> str | InputFile | None:
    """The QR code to send: the operator's photo, the catalog file's picture, or the sample
    placeholder; a picture uploaded before goes by the file_id Telegram gave it."""
    if method.qr_file_id:
        return method.qr_file_id
    key = qr_cache_key(method)
    if key is not None and key in cache:
        return cache[key]
    if method.qr_image:
        suffix = "png" if method.qr_image.startswith(b"\x89PNG") else "jpg"
        return InputFile(method.qr_image, filename=f"{method.kind}-qr.{suffix}")
    if method.qr_sample:
        png = sample_qr_png(method.name_en or method.name_zh, f"SAMPLE {method.kind} {method.id}")
        return InputFile(png, filename=f"{method.kind}-sample.png")
    return None


async def choose(update: Update, context: BotContext) -> None:
    """Shows the chosen method (its QR code as a photo) and holds the thing for its hours."""
    query = update.callback_query
    assert query is not None
    reference = routes.text_field(context, "reference")
    method_id = routes.tapped(context, "method_id")
    offer = await context.db.run(payment_offer, reference=reference, user_id=sender(update))
    method = next((m for m in offer.methods if m.id == method_id), None) if offer else None
    if offer is None or method is None:
        await show(update, context, refusal_text(context, "unknown"), keyboard(menu_row(context)))
        return
    village_id = offer.info.village_id if offer.info else None
    hours = await context.db.run(hold_hours_of, method_id=method_id, village_id=village_id)
    try:
        chosen = await context.db.run(
            choose_method,
            reference=reference,
            user_id=sender(update),
            method_id=method_id,
            hold_hours=hours or method.hold_hours,
        )
    except PaymentError as exc:
        await show(update, context, refusal_text(context, exc.code), keyboard(menu_row(context)))
        return
    text = method_text(context, offer, method, chosen.deadline)
    markup = method_markup(context, chosen.payment, method)
    cache: dict[str, str] = context.bot_data.setdefault(QR_CACHE_KEY, {})
    photo = qr_photo(method, cache)
    if photo is None:
        await show(update, context, text, markup)
        return
    chat = update.effective_chat
    assert chat is not None
    sent = await with_answer(
        update,
        context.bot.send_photo(chat.id, photo, caption=text[:CAPTION_LIMIT], reply_markup=markup),
    )
    key = qr_cache_key(method)
    if key is not None and isinstance(photo, InputFile) and sent.photo:
        cache[key] = sent.photo[-1].file_id  # uploaded once, then sent by its file_id


async def ask_slip(update: Update, context: BotContext) -> int:
    """ "I have paid": asks for the photo of the slip or the screenshot."""
    reference = routes.text_field(context, "reference")
    offer = await context.db.run(payment_offer, reference=reference, user_id=sender(update))
    if offer is None:
        await show(update, context, refusal_text(context, "unknown"), keyboard(menu_row(context)))
        return ConversationHandler.END
    context.scratch["pay_slip"] = reference
    text = context.tr._(
        "Please send a photo of the payment slip or a screenshot of the transfer for "
        "reference <code>{reference}</code>."
    ).format(reference=esc(reference))
    back = button(
        "⬅️ " + context.tr._("Other ways to pay"), routes.PAY_WAYS.data(reference=reference)
    )
    await show(update, context, text, keyboard([back], menu_row(context)))
    return Step.SLIP


async def got_slip(update: Update, context: BotContext) -> int:
    """Takes the slip photo to the operators' queue."""
    message = update.effective_message
    assert message is not None
    reference = context.scratch.get("pay_slip")
    if not reference:
        return ConversationHandler.END
    file_id = message.photo[-1].file_id if message.photo else None
    if file_id is None and message.document is not None:
        file_id = message.document.file_id
    if file_id is None:
        return await slip_not_photo(update, context)
    return await proof(update, context, reference, ProofKind.SLIP, file_id)


async def slip_not_photo(update: Update, context: BotContext) -> int:
    """Something other than a photo where the slip is expected."""
    text = "⚠️ " + context.tr._("Please send the slip as a photo (or tap /cancel to stop).")
    reference = context.scratch.get("pay_slip", "")
    rows: list[list[InlineKeyboardButton]] = []
    if reference:
        rows.append(
            [
                button(
                    "⬅️ " + context.tr._("Other ways to pay"),
                    routes.PAY_WAYS.data(reference=reference),
                )
            ]
        )
    await show(update, context, text, keyboard(*rows, menu_row(context)))
    return Step.SLIP


async def paid_at_counter(update: Update, context: BotContext) -> None:
    """ "I paid at the counter": the payment joins the operators' queue."""
    await proof(update, context, routes.text_field(context, "reference"), ProofKind.COUNTER, None)


async def proof(
    update: Update, context: BotContext, reference: str, kind: ProofKind, file_id: str | None
) -> int:
    """Records the buyer's proof and says what happens next."""
    context.scratch.pop("pay_slip", None)
    try:
        await context.db.run(
            submit_proof, reference=reference, user_id=sender(update), kind=kind, file_id=file_id
        )
    except PaymentError as exc:
        await show(update, context, refusal_text(context, exc.code), keyboard(menu_row(context)))
        return ConversationHandler.END
    text = context.tr._(
        "Thank you! The post office will check your payment <code>{reference}</code> and "
        "confirm it. You will get a message here, with your receipt."
    ).format(reference=esc(reference))
    await show(update, context, text, keyboard(menu_row(context)))
    return ConversationHandler.END


# ---------------------------------------------------------------- messages sent later


def _pay_buttons(tr: Translator, reference: str) -> InlineKeyboardMarkup:
    """I have paid / ways to pay, on a message sent later."""
    return keyboard(
        [
            button(
                "📷 " + tr._("I have paid: send the slip"),
                routes.PAY_SLIP.data(reference=reference),
            )
        ],
        [button("💳 " + tr._("Ways to pay"), routes.PAY_WAYS.data(reference=reference))],
    )


def checking_text(tr: Translator, reference: str) -> str:
    """The buyer said they paid: the post office is checking it (no second payment to make)."""
    return tr._(
        "You told us you have paid ({reference}): the post office is still checking it, "
        "and you will hear from us here."
    ).format(reference=f"<code>{esc(reference)}</code>")


async def lapsed_hint(
    app: AnyApp, tr: Translator, kind: str, target_id: int
) -> tuple[str, list[list[InlineKeyboardButton]]]:
    """What an expiry notice adds for a buyer who may have paid offline: the slip they sent is
    still being checked, or money paid late can still be sent and confirmed."""
    payment = await app.bot_data["db"].run(lapsed_payment, kind=kind, target_id=target_id)
    if payment is None:
        return "", []
    reference = f"<code>{esc(payment.reference)}</code>"
    if payment.proof_at is not None:
        return checking_text(tr, payment.reference), []
    text = tr._(
        "Already paid? Tap “I have paid” and send the slip ({reference}): the post office can "
        "still confirm it."
    ).format(reference=reference)
    slip = button(
        "📷 " + tr._("I have paid: send the slip"),
        routes.PAY_SLIP.data(reference=payment.reference),
    )
    return text, [[slip]]


async def render_reminder(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """Reminds the buyer, before the hold runs out, to pay (or to say they have)."""
    settings = app.bot_data["settings"]
    deadline = datetime.fromisoformat(params["deadline"])
    text = "⏰ " + tr._(
        "Reminder: please pay {amount} for {number} by {time}, reference <code>{reference}</code>. "
        "Already paid? Tap “I have paid” and send the slip."
    ).format(
        amount=amount_text(
            tr,
            params["amount_fen"],
            params["currency"],
            settings.lak_per_cny,
            params.get("country"),
        ),
        number=f"<b>{esc(params['number'])}</b>",
        time=tr.deadline(deadline),
        reference=esc(params["reference"]),
    )
    return Outgoing(text, _pay_buttons(tr, params["reference"]))


async def render_rejected(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """Tells the buyer the post office could not confirm their payment, and why."""
    reason = tr._(REASONS.get(params["reason"], REASONS["other"]))
    text = tr._(
        "We could not confirm your payment <code>{reference}</code> ({amount}): {reason}."
    ).format(
        reference=esc(params["reference"]),
        amount=tr.money(params["amount_fen"], params["currency"]),
        reason=reason,
    )
    if params.get("note"):
        text += "\n" + tr._("The post office adds: {note}").format(note=esc(params["note"]))
    text += "\n" + tr._("Please check, then send the slip again, or ask at the post office.")
    return Outgoing(text, _pay_buttons(tr, params["reference"]))


async def render_late(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """Money that came after the hold ran out, for something no longer to be had."""
    what = tr._(KIND_NAMES.get(params["payable"], KIND_NAMES["order"]))
    amount = tr.money(params["amount_fen"], params["currency"])
    reference = esc(params["reference"])
    if params["outcome"] == "refund":
        text = tr._(
            "Your payment <code>{reference}</code> arrived after the hold of your {what} ran "
            "out, and it is no longer available. The post office will refund {amount}."
        ).format(reference=reference, what=what, amount=amount)
        return Outgoing(text, keyboard())
    text = tr._(
        "Your payment <code>{reference}</code> arrived after the hold of your {what} ran out, "
        "and it is no longer available. The post office keeps your {amount} for you: choose "
        "again, and tell the counter the reference; or ask for a refund."
    ).format(reference=reference, what=what, amount=amount)
    target = routes.TREES.data() if params["payable"] == "adoption" else routes.SHOP.data()
    label = (
        "🌳 " + tr._("Choose a tree")
        if params["payable"] == "adoption"
        else "🧺 " + tr.pgettext("button", "Go to the shop")
    )
    return Outgoing(text, keyboard([button(label, target)]))


def conversation() -> ConversationHandler[BotContext]:
    """ "I have paid": waits for the slip photo."""
    return dialogue(
        "payment_slip",
        [routes.PAY_SLIP.handler(ask_slip)],
        {
            Step.SLIP: [
                MessageHandler(filters.PHOTO | filters.Document.IMAGE, got_slip),
                MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, slip_not_photo),
            ]
        },
        scratch="pay_slip",
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The ways to pay, the chosen one, and proof of payment."""
    return [
        conversation(),
        routes.PAY_WAYS.handler(show_ways),
        routes.PAY_WAY.handler(choose),
        routes.PAY_COUNTER.handler(paid_at_counter),
    ]


def renderers() -> dict[str, Any]:
    """The buyer's messages about an offline payment."""
    return {
        "payment_reminder": render_reminder,
        "payment_rejected": render_rejected,
        "payment_late": render_late,
    }


async def reminder_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: reminds buyers whose offline payment's hold runs out soon."""
    count = await context.application.bot_data["db"].run(queue_payment_reminders)
    if count:
        log.info("queued %d payment reminders", count)

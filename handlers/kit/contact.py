"""The phone step's "📱 Share my number" button: Telegram's own contact instead of typing.

A reply keyboard with one request_contact button is offered under the phone question; the shared
contact is taken only when it is the sender's own (a forwarded or picked contact of someone else
is refused), and goes through the same phone check as a typed number. Once a number is taken the
reply keyboard is removed.
"""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.context import BotContext


def share_keyboard(context: BotContext) -> ReplyKeyboardMarkup:
    """The one-time reply keyboard with the share-my-number button."""
    label = "📱 " + context.tr.pgettext("button", "Share my number")
    return ReplyKeyboardMarkup(
        [[KeyboardButton(label, request_contact=True)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )


async def offer_share(update: Update, context: BotContext) -> None:
    """Shows the share button under the phone question."""
    chat = update.effective_chat
    if chat is None:
        return
    text = context.tr._("Or tap “Share my number” below to send this Telegram account's number.")
    await context.bot.send_message(chat.id, text, reply_markup=share_keyboard(context))


def shared_phone(update: Update) -> str | None:
    """The number of a contact the sender shared, if it is their own (else None).

    Telegram gives it with the country code, usually without "+", so it is made international
    before the same check as a typed number.
    """
    message = update.effective_message
    user = update.effective_user
    contact = message.contact if message is not None else None
    if contact is None or user is None or contact.user_id != user.id:
        return None
    digits = contact.phone_number.strip()
    return digits if digits.startswith("+") else "+" + digits


def not_your_contact(context: BotContext) -> str:
    """Why someone else's contact is refused at the phone step."""
    return context.tr._(
        "That contact is not yours. Tap “Share my number” to send your own, or type the number."
    )


async def phone_taken(update: Update, context: BotContext, phone: str) -> None:
    """Confirms the number and takes the share keyboard away."""
    chat = update.effective_chat
    if chat is None:
        return
    text = "✅ " + context.tr._("Phone number: {phone}").format(phone=phone)
    await context.bot.send_message(chat.id, text, reply_markup=ReplyKeyboardRemove())

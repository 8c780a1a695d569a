"""Talking to a person: /help's contact lines, a message (text, voice note or photo) to the post
office, forwarded to the operators with who sent it and their orders, and their answer back.

A voice note or photo sent outside any dialogue is kept as a draft and offered this route
(`offer_to_send`), instead of "I did not understand".
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.notify import AnyApp, Outgoing
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
from handlers.shop.orders import status_label
from models.core.contact import clean_text
from models.helpdesk import (
    LONGEST_TEXT,
    HelpMessage,
    HelpView,
    answer_help,
    help_view,
    open_help_messages,
    save_help_message,
    send_draft,
)

SCRATCH = "hlp"
MEDIA = filters.VOICE | filters.AUDIO | filters.PHOTO | filters.VIDEO_NOTE


class Step(IntEnum):
    """The one question of each dialogue here."""

    WRITE = 1
    ANSWER = 2


def contact_lines(context: BotContext) -> list[str]:
    """The post office's phone, counter address and hours, as far as they are set."""
    tr, settings = context.tr, context.settings
    lines = ["<b>" + tr._("Talk to a person at the post office") + "</b>"]
    if settings.post_office_phone:
        lines.append("📞 " + esc(settings.post_office_phone))
    if settings.post_office_address:
        lines.append("🏤 " + esc(settings.post_office_address))
    if settings.post_office_hours:
        lines.append("🕘 " + esc(settings.post_office_hours))
    if len(lines) == 1:
        lines.append(
            "🏤 " + esc(settings.operator_contact or tr._("ask at the post office counter"))
        )
    lines.append(tr._("Or send them a message or a voice note here: they answer in this chat."))
    return lines


def write_button(context: BotContext) -> Any:
    """The button that opens a message to the post office."""
    return button("✉️ " + context.tr._("Message the post office"), routes.HELP_WRITE.data())


def _sender(update: Update) -> int:
    """The sender's Telegram id."""
    assert update.effective_user is not None
    return update.effective_user.id


def _content(message: Message) -> dict[str, Any]:
    """Text, voice note or photo of a message, as the help message stores them."""
    voice = message.voice or message.audio or message.video_note
    photo = message.photo[-1].file_id if message.photo else None
    text = message.text or message.caption or ""
    return {
        "text": clean_text(text, LONGEST_TEXT, one_line=False) or "",
        "voice": voice.file_id if voice else None,
        "photo": photo,
    }


async def ask_message(update: Update, context: BotContext) -> int:
    """Asks for the message."""
    text = context.tr._(
        "Send your message to the post office: type it, record a voice note 🎤 or send a photo. "
        "They answer here."
    )
    await show(update, context, "✉️ " + text, keyboard(menu_row(context)))
    return Step.WRITE


async def got_message(update: Update, context: BotContext) -> int:
    """Stores the message and forwards it to the operators."""
    message = update.effective_message
    assert message is not None
    content = _content(message)
    if not any(content.values()):
        return await ask_message(update, context)
    await context.db.run(
        save_help_message,
        user_id=_sender(update),
        admins=context.settings.admin_ids,
        **content,
    )
    await sent(update, context)
    return ConversationHandler.END


async def sent(update: Update, context: BotContext) -> None:
    """Tells the user the message went to the post office."""
    text = "✅ " + context.tr._("Sent to the post office. They will answer you in this chat.")
    await show(update, context, text, keyboard(menu_row(context)))


async def offer_to_send(update: Update, context: BotContext) -> None:
    """A voice note or photo outside any dialogue: keeps it and offers to send it."""
    message = update.effective_message
    assert message is not None
    draft = await context.db.run(
        save_help_message, user_id=_sender(update), send=False, **_content(message)
    )
    text = context.tr._("Would you like the post office to get this? A person will answer here.")
    send = button(
        "✉️ " + context.tr._("Send it to the post office"), routes.HELP_SEND.data(help_id=draft.id)
    )
    await show(update, context, text, keyboard([send], menu_row(context)))


async def send_kept(update: Update, context: BotContext) -> None:
    """Sends the kept voice note or photo (once, even if tapped twice)."""
    found = await context.db.run(
        send_draft,
        help_id=routes.tapped(context, "help_id"),
        user_id=_sender(update),
        admins=context.settings.admin_ids,
    )
    if found is None:
        assert update.callback_query is not None
        await update.callback_query.answer(context.tr._("This button is out of date."))
        return
    await sent(update, context)


# --- the operators' side -----------------------------------------------------------------------


async def render_help_message(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """A message for an operator: who sent it, their latest orders, the text, and buttons."""
    view = await app.bot_data["db"].run(help_view, help_id=int(params["help_id"]))
    if view is None:
        raise LookupError(params)
    return help_screen(tr, view)


def help_screen(tr: Translator, view: HelpView) -> Outgoing:
    """What an operator sees of a message, with Answer (and Play) buttons."""
    message: HelpMessage = view.message
    sender = view.sender
    who = esc(sender.display_name if sender else "?")
    if sender is not None and sender.username:
        who += f" (@{esc(sender.username)})"
    lines = [
        "✉️ " + tr._("Message from {name}").format(name=f"<b>{who}</b>"),
        tr._("Telegram id: {id}").format(id=f"<code>{message.user_id}</code>"),
    ]
    if view.orders:
        orders = ", ".join(f"{esc(o.number)} ({status_label(tr, o.status)})" for o in view.orders)
        lines.append(tr._("Orders: {orders}").format(orders=orders))
    else:
        lines.append(tr._("No orders yet."))
    if message.voice:
        lines.append("🎤 " + tr._("A voice note: tap Play to hear it."))
    if message.text:
        lines += ["", esc(message.text)]
    rows = [[button("↩️ " + tr._("Answer"), routes.HELP_REPLY.data(help_id=message.id))]]
    if message.voice:
        rows.append([button("▶️ " + tr._("Play"), routes.HELP_PLAY.data(help_id=message.id))])
    return Outgoing("\n".join(lines), keyboard(*rows), photo=message.photo)


def inbox_label(tr: Translator, view: HelpView) -> str:
    """🎤 a voice note, 📷 a photo, ✉️ a text; who, when, and the text's first words."""
    message = view.message
    icon = "🎤" if message.voice else "📷" if message.photo else "✉️"
    who = view.sender.display_name if view.sender else "?"
    label = f"{icon} " + tr.then(who, tr.when(message.sent_at or message.created_at))
    return label + (f" · {message.text[:20]}" if message.text else "")


@operator_only
async def inbox(update: Update, context: BotContext) -> None:
    """The messages no operator has answered yet, each a button that opens it."""
    tr = context.tr
    views = await context.db.run(open_help_messages)
    rows = [
        [button(inbox_label(tr, view)[:60], routes.HELP_OPEN.data(help_id=view.message.id))]
        for view in views
    ]
    text = tr._("Messages from buyers not answered yet:") if views else tr._("No messages waiting.")
    back = back_button(context, routes.BACK_OFFICE.data())
    await show(update, context, text, keyboard(*rows, [back]))


@operator_only
async def open_message(update: Update, context: BotContext) -> None:
    """One message again, as it arrived, with its Answer button."""
    view = await context.db.run(help_view, help_id=routes.tapped(context, "help_id"))
    chat = update.effective_chat
    if view is None or chat is None:
        await show(update, context, context.tr._("This button is out of date."))
        return
    screen = help_screen(context.tr, view)
    if screen.photo:
        await with_answer(
            update,
            context.bot.send_photo(
                chat.id, screen.photo, caption=screen.text, reply_markup=screen.markup
            ),
        )
        return
    await with_answer(
        update, context.bot.send_message(chat.id, screen.text, reply_markup=screen.markup)
    )


async def render_help_reply(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """The post office's answer, in the user's language around the operator's words."""
    text = "✉️ " + tr._("The post office answers:") + "\n\n" + esc(str(params.get("text", "")))
    again = button("✉️ " + tr._("Write back"), routes.HELP_WRITE.data())
    return Outgoing(text, keyboard([again]))


@operator_only
async def play(update: Update, context: BotContext) -> None:
    """Sends the voice note to the operator who tapped Play."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    view = await context.db.run(help_view, help_id=routes.tapped(context, "help_id"))
    if view is None or not view.message.voice:
        await query.answer(context.tr._("This button is out of date."))
        return
    await with_answer(update, context.bot.send_voice(update.effective_chat.id, view.message.voice))


@operator_only
async def ask_answer(update: Update, context: BotContext) -> int:
    """Asks the operator for the answer."""
    view = await context.db.run(help_view, help_id=routes.tapped(context, "help_id"))
    if view is None:
        await show(update, context, context.tr._("This button is out of date."))
        return ConversationHandler.END
    context.scratch[SCRATCH] = view.message.id
    name = esc(view.sender.display_name if view.sender else "?")
    text = context.tr._("Send your answer to {name}: it reaches them in this bot.").format(
        name=f"<b>{name}</b>"
    )
    await show(update, context, text, keyboard(menu_row(context)))
    return Step.ANSWER


@operator_only
async def got_answer(update: Update, context: BotContext) -> int:
    """Sends the answer to the user."""
    message = update.effective_message
    assert message is not None
    text = clean_text(message.text or "", LONGEST_TEXT, one_line=False)
    if text is None:
        await show(update, context, context.tr._("Please answer with a text message."))
        return Step.ANSWER
    help_id = context.scratch.pop(SCRATCH, None)
    found = await context.db.run(
        answer_help, help_id=help_id or 0, operator_id=_sender(update), text=text
    )
    done = "✅ " + context.tr._("Answer sent.") if found else context.tr._("Nothing was sent.")
    await show(update, context, done, keyboard(menu_row(context)))
    return ConversationHandler.END


TEXT = filters.TEXT & ~filters.COMMAND


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Writing to the post office and the operators' answers."""
    write = dialogue(
        "help_write",
        [routes.HELP_WRITE.handler(ask_message)],
        {Step.WRITE: [MessageHandler((TEXT | MEDIA), got_message)]},
    )
    answer = dialogue(
        "help_answer",
        [routes.HELP_REPLY.handler(ask_answer)],
        {Step.ANSWER: [MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, got_answer)]},
        scratch=SCRATCH,
    )
    return [
        write,
        answer,
        routes.HELP_SEND.handler(send_kept),
        routes.HELP_PLAY.handler(play),
        routes.HELP_INBOX.handler(inbox),
        routes.HELP_OPEN.handler(open_message),
    ]


def renderers() -> dict[str, Any]:
    """The help desk's outbox messages."""
    return {"help_message": render_help_message, "help_reply": render_help_reply}

"""Showing a catalog picture: a Telegram file_id or URL as it is, a shipped sample file once."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, InputFile, InputMediaPhoto, Message, Update
from telegram.error import BadRequest

from bot.context import BotContext
from handlers.kit.common import with_answer
from models.catalog.pictures import SAMPLE_PREFIX, sample_picture_path

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024  # characters in a photo caption
CACHE_KEY = "sample_photo_ids"  # bot_data: sample file name -> the file_id Telegram gave it


def has_picture(photo: str | None) -> bool:
    """Whether a catalog row's photo can be sent (a sample whose file is missing cannot)."""
    if not photo:
        return False
    return not photo.startswith(SAMPLE_PREFIX) or sample_picture_path(photo) is not None


def _upload(context: BotContext, photo: str) -> str | InputFile:
    """What to send for a photo: its file_id or URL, a sample's file_id once it has one."""
    path = sample_picture_path(photo)
    if path is None:
        return photo
    cache: dict[str, str] = context.bot_data.setdefault(CACHE_KEY, {})
    return cache.get(photo) or InputFile(path.read_bytes(), filename=path.name)


def _remember(context: BotContext, photo: str, message: Message | bool) -> None:
    """Keeps the file_id Telegram gave an uploaded sample, so it is uploaded only once."""
    if sample_picture_path(photo) is not None and isinstance(message, Message) and message.photo:
        context.bot_data.setdefault(CACHE_KEY, {})[photo] = message.photo[-1].file_id


async def send_picture(
    context: BotContext,
    chat_id: int,
    photo: str,
    caption: str,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    """Sends a catalog picture with its caption, as a new message.

    A caption longer than Telegram allows goes in a message of its own below the picture (cutting
    it could split an HTML tag, and Telegram would refuse the whole card)."""
    fits = len(caption) <= CAPTION_LIMIT
    message = await context.bot.send_photo(
        chat_id,
        _upload(context, photo),
        caption=caption if fits else None,
        reply_markup=markup if fits else None,
    )
    _remember(context, photo, message)
    if not fits:
        return await context.bot.send_message(chat_id, caption, reply_markup=markup)
    return message


async def show_picture(
    update: Update,
    context: BotContext,
    photo: str,
    caption: str,
    markup: InlineKeyboardMarkup | None,
) -> Message | None:
    """Shows a catalog picture: a tapped message becomes it; anything else gets a new message.

    editMessageMedia can add a photo to a text message, so a card opened from a list takes the
    list's place like any other screen, and, being an edit, spends none of the bot's ~30 messages
    a second (bot/limiter.py), which a festival's broadcast and everyone's replies share."""
    query = update.callback_query
    message = query.message if query is not None else None
    if isinstance(message, Message) and len(caption) <= CAPTION_LIMIT:
        return await with_answer(update, _edit_into(context, message, photo, caption, markup))
    chat = update.effective_chat
    if chat is None:
        return None
    return await with_answer(update, send_picture(context, chat.id, photo, caption, markup))


async def _edit_into(
    context: BotContext,
    message: Message,
    photo: str,
    caption: str,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    """Turns `message` into the picture; one Telegram will not edit gets a new message instead."""
    media = InputMediaPhoto(_upload(context, photo), caption=caption)
    try:
        edited = await context.bot.edit_message_media(
            media, chat_id=message.chat_id, message_id=message.message_id, reply_markup=markup
        )
    except BadRequest as exc:
        if "not modified" in str(exc).lower():  # the same card tapped twice
            return message
        log.info("message %s not turned into a picture (%s)", message.message_id, exc)
        return await send_picture(context, message.chat_id, photo, caption, markup)
    _remember(context, photo, edited)
    return edited if isinstance(edited, Message) else message

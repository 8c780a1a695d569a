"""Sending a catalog picture: a Telegram file_id or URL as it is, a shipped sample file once."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, InputFile, Message

from bot.context import BotContext
from models.catalog.pictures import SAMPLE_PREFIX, sample_picture_path

CAPTION_LIMIT = 1024  # characters in a photo caption
CACHE_KEY = "sample_photo_ids"  # bot_data: sample file name -> the file_id Telegram gave it


def has_picture(photo: str | None) -> bool:
    """Whether a catalog row's photo can be sent (a sample whose file is missing cannot)."""
    if not photo:
        return False
    return not photo.startswith(SAMPLE_PREFIX) or sample_picture_path(photo) is not None


async def send_picture(
    context: BotContext,
    chat_id: int,
    photo: str,
    caption: str,
    markup: InlineKeyboardMarkup | None,
) -> Message:
    """Sends a catalog picture with its caption; a sample file is uploaded only the first time.

    A caption longer than Telegram allows goes in a message of its own below the picture (cutting
    it could split an HTML tag, and Telegram would refuse the whole card)."""
    cache: dict[str, str] = context.bot_data.setdefault(CACHE_KEY, {})
    path = sample_picture_path(photo)
    upload: str | InputFile = photo
    if path is not None:
        upload = cache.get(photo) or InputFile(path.read_bytes(), filename=path.name)
    fits = len(caption) <= CAPTION_LIMIT
    message = await context.bot.send_photo(
        chat_id,
        upload,
        caption=caption if fits else None,
        reply_markup=markup if fits else None,
    )
    if path is not None and message.photo:
        cache[photo] = message.photo[-1].file_id
    if not fits:
        return await context.bot.send_message(chat_id, caption, reply_markup=markup)
    return message

"""Operators add or replace the picture of a tree or product: a photo captioned /photo CODE."""

from __future__ import annotations

import re
from typing import Any

from telegram import Message, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.kit.common import esc
from handlers.kit.roles import operator_only
from models.catalog.pictures import set_catalog_photo

CAPTION = re.compile(r"^/photo(?:@\w+)?(?:\s+(?P<code>\S+))?\s*$", re.IGNORECASE)
CODE = re.compile(r"^[A-Za-z0-9-]{1,40}$")


def usage(context: BotContext) -> str:
    """How to send a picture for the catalog."""
    return context.tr._(
        "To add or replace a picture, send a photo with the caption /photo and the tree code "
        "or product SKU, for example /photo PEACH-0003 or /photo HONEY-500G."
    )


def sent_photo(message: Message) -> str | None:
    """The file_id of a photo message's largest size (what the catalog stores), or None."""
    return message.photo[-1].file_id if message.photo else None


@operator_only
async def photo_command(update: Update, context: BotContext) -> None:
    """/photo typed without a photo: says how it is done."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, usage(context))


@operator_only
async def photo_received(update: Update, context: BotContext) -> None:
    """Stores the photo (largest size) as the picture of the tree or product in the caption."""
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    photo = sent_photo(message)
    assert photo is not None
    match = CAPTION.match(message.caption or "")
    code = (match.group("code") or "") if match else ""
    tr = context.tr
    if not CODE.match(code):
        await message.reply_text(usage(context))
        return
    stored = await context.db.run(set_catalog_photo, code=code, photo=photo)
    if stored is None:
        text = tr._("No tree or product has the code {code}.").format(code=esc(code))
    else:
        text = tr._("Photo saved for {code}. Buyers see it on its card from now on.").format(
            code=esc(stored)
        )
    await message.reply_text(text)


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The photo caption /photo CODE, and /photo alone."""
    return [
        MessageHandler(filters.PHOTO & filters.CaptionRegex(r"(?i)^/photo\b"), photo_received),
        CommandHandler("photo", photo_command),
    ]

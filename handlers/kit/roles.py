"""Server-side role checks for every farmer and operator command and button."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from models.core.user import Role

log = logging.getLogger(__name__)

Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]


def has_role(context: BotContext, *roles: Role) -> bool:
    """Tells whether the update's sender holds one of `roles` (read fresh this minute)."""
    return context.account is not None and context.account.role in roles


async def deny(update: Update, context: BotContext) -> None:
    """Says "not allowed" and changes nothing."""
    text = context.tr._("Sorry, this is not allowed for your account.")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)


def requires(*roles: Role) -> Callable[[Callback], Callback]:
    """Wraps a handler so only users with one of `roles` reach it; others are told no."""

    def wrap(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def guarded(update: Update, context: BotContext) -> Any:
            if not has_role(context, *roles):
                user_id = update.effective_user.id if update.effective_user else None
                log.warning("user %s denied %s", user_id, callback.__name__)
                await deny(update, context)
                return ConversationHandler.END
            return await callback(update, context)

        return guarded

    return wrap


operator_only = requires(Role.OPERATOR)
farmer_only = requires(Role.FARMER, Role.OPERATOR)

"""build_application(): the one place that wires every handler, in order."""

from __future__ import annotations

import warnings
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.commands import register_commands
from bot.config import Settings
from bot.context import BotContext
from bot.datakey import ensure_data_key
from bot.db import Database
from bot.errors import handle_error
from bot.jobs import schedule_jobs
from bot.limiter import PriorityRateLimiter
from bot.notify import Renderer
from bot.persistence import DatabasePersistence
from bot.processor import SequentialUpdateProcessor
from bot.updates import claim_update, finish_update
from handlers import account, adoption, backoffice, farmer, payment, shop
from handlers.kit import dialogues, fallback, users
from handlers.shop.miniapp import sync_menu_button

# Every dialogue mixes buttons and typed text, so it is tracked per user and chat rather than per
# message (per_message=False) on purpose; PTB warns about that once for each dialogue.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

OFFLINE_TOKEN = "999000:offline"

App = Application[Any, BotContext, Any, Any, Any, Any]


def journey_handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Every journey's handlers, package by package; PTB takes the first that matches."""
    return [
        CallbackQueryHandler(fallback.stale_button, pattern=fallback.impossible_number),
        *adoption.deep_links(),  # `/start <payload>` before the plain /start
        *shop.deep_links(),
        *backoffice.deep_links(),
        *account.handlers(),  # the main menu's buttons before every dialogue
        *payment.handlers(),
        *adoption.handlers(),
        *shop.handlers(),
        *backoffice.handlers(),
        *farmer.handlers(),
    ]


def notification_renderers() -> dict[str, Renderer]:
    """How each kind of outbox notification is written, in the recipient's language."""
    return {
        **account.renderers(),
        **adoption.renderers(),
        **shop.renderers(),
        **backoffice.renderers(),
        **farmer.renderers(),
        **payment.renderers(),
    }


def fallback_handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Catch-alls: /cancel outside a dialogue, and an answer to every message and every tap."""
    return [
        CommandHandler("cancel", fallback.nothing_to_cancel),
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, fallback.unknown_input
        ),
        CallbackQueryHandler(fallback.stale_button),
    ]


def rate_limiter() -> PriorityRateLimiter:
    """Telegram's limits with priority: replies first, background sends get what is left."""
    # 30 messages in any one second (edits and callback answers are not messages; see
    # bot/limiter.py), one background message per second per chat, 20 per minute per group.
    return PriorityRateLimiter(max_retries=3)


def build_application(
    settings: Settings,
    db: Database,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    polling: bool = True,
) -> App:
    """Builds the Application; with `request` (an offline Bot API) it never touches the network."""
    ensure_data_key(settings, db)  # python -m bot has set it up already; benchmarks and scripts
    builder = (
        Application.builder()
        .token(settings.bot_token or OFFLINE_TOKEN)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .persistence(DatabasePersistence(db))
        .post_init(register_commands)
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    if rate_limit:
        builder = builder.rate_limiter(rate_limiter())  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request).get_updates_request(request).updater(None)
    if not polling:  # webhook mode: bot.webhook serves the updates
        builder = builder.updater(None)
    # Concurrent across chats, in order within a chat and a user (bot/processor.py); a repeated
    # delivery running beside the first is stopped by the claim in group -3 (bot/updates.py).
    builder = builder.concurrent_updates(SequentialUpdateProcessor(settings.max_concurrent_updates))
    application: App = builder.build()
    application.bot_data.update(settings=settings, db=db, renderers=notification_renderers())
    application.add_handler(TypeHandler(Update, claim_update), group=-3)
    application.add_handler(TypeHandler(Update, dialogues.leave_stale_dialogues), group=-2)
    application.add_handler(TypeHandler(Update, users.load_user), group=-1)
    application.add_handlers(journey_handlers() + fallback_handlers(), group=0)
    application.add_handler(TypeHandler(Update, sync_menu_button), group=1)  # the Mini App
    application.add_handler(TypeHandler(Update, finish_update), group=99)
    application.add_error_handler(handle_error)
    schedule_jobs(application)
    return application

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
    PreCheckoutQueryHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot.commands import register_commands
from bot.config import Settings
from bot.context import BotContext
from bot.db import Database
from bot.errors import handle_error
from bot.limiter import PriorityRateLimiter
from bot.notify import Renderer, schedule_outbox
from bot.persistence import DatabasePersistence
from bot.updates import finish_update, schedule_pruning, skip_handled
from handlers.account import language, privacy, start
from handlers.adoption.journey import adoption_handlers, tree_link_handler
from handlers.adoption.notices import RENDERERS as ADOPTION_RENDERERS
from handlers.adoption.notices import schedule_adoption_jobs
from handlers.backoffice import broadcast, stats
from handlers.backoffice import harvests as operator_harvests
from handlers.backoffice import home as operator
from handlers.backoffice import orders as operator_orders
from handlers.backoffice import products as operator_products
from handlers.farmer import menu as farmer
from handlers.farmer import news as tree_news
from handlers.farmer.trees import my_trees as farmer_my_trees
from handlers.kit import dialogues, fallback, users
from handlers.payment import step as payment
from handlers.shop import cart, checkout, orders
from handlers.shop import shelves as shop

# Every dialogue mixes buttons and typed text, so it is tracked per user and chat rather than per
# message (per_message=False) on purpose; PTB warns about that once for each dialogue.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

OFFLINE_TOKEN = "999000:offline"

App = Application[Any, BotContext, Any, Any, Any, Any]


def journey_handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Every journey's handlers, most specific first."""
    deep_link = filters.Regex
    return [
        CallbackQueryHandler(fallback.stale_button, pattern=fallback.impossible_number),
        tree_link_handler(),
        CommandHandler("start", shop.open_product_link, deep_link(r"^/start product_")),
        CommandHandler("start", operator.redeem_invite, deep_link(r"^/start farmer_")),
        CommandHandler("start", start.start),
        CommandHandler("help", start.help_command),
        CallbackQueryHandler(start.help_command, pattern="^HELP$"),
        CallbackQueryHandler(start.menu, pattern="^MENU$"),
        CommandHandler("language", language.choose_language),
        CallbackQueryHandler(language.choose_language, pattern="^LANG$"),
        CallbackQueryHandler(language.set_user_language, pattern="^LANG "),
        PreCheckoutQueryHandler(payment.precheckout),
        MessageHandler(filters.SUCCESSFUL_PAYMENT, payment.successful_payment),
        *adoption_handlers(),
        *shop.handlers(),
        *cart.handlers(),
        *checkout.handlers(),
        *orders.handlers(),
        broadcast.broadcast_conversation(),
        CommandHandler("ops", operator.back_office),
        CallbackQueryHandler(operator.back_office, pattern="^OPS$"),
        CallbackQueryHandler(operator.payments_to_confirm, pattern="^OPS PAY$"),
        CallbackQueryHandler(operator.confirm_payment_button, pattern="^OPS PAYOK "),
        CommandHandler("confirm", operator.confirm_payment_command),
        CallbackQueryHandler(operator.farmers, pattern="^OPS FARM$"),
        CallbackQueryHandler(operator.invite_farmer, pattern=r"^OPS INV \d+$"),
        CommandHandler("makeoperator", operator.make_operator_command),
        *operator_orders.handlers(),
        *operator_products.handlers(),
        *stats.handlers(),
        *operator_harvests.handlers(),
        tree_news.conversation(),
        CallbackQueryHandler(farmer_my_trees, pattern=r"^FRM t \d+$"),
        *farmer.handlers(),
        *privacy.handlers(),
        CommandHandler("cancel", fallback.nothing_to_cancel),
    ]


def notification_renderers() -> dict[str, Renderer]:
    """How each kind of outbox notification is written, in the recipient's language."""
    return {
        **ADOPTION_RENDERERS,
        "broadcast": broadcast.render_broadcast,
        "order_status": orders.render_order_status,
        "tree_news": tree_news.render_tree_news,
        "harvest_shipped": operator_harvests.render_harvest_shipped,
    }


def fallback_handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """Catch-alls: every message and every tap gets an answer."""
    return [
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
    # Updates are handled one at a time (PTB's default; never concurrent_updates): the guard in
    # group -3 checks an update id before the mark at the end is written, which is safe only
    # when a repeated update cannot run beside its first delivery.
    builder = builder.concurrent_updates(False)
    application: App = builder.build()  # type: ignore[assignment]
    application.bot_data.update(settings=settings, db=db, renderers=notification_renderers())
    application.add_handler(TypeHandler(Update, skip_handled), group=-3)
    application.add_handler(TypeHandler(Update, dialogues.leave_stale_dialogues), group=-2)
    application.add_handler(TypeHandler(Update, users.load_user), group=-1)
    application.add_handlers(journey_handlers() + fallback_handlers(), group=0)
    application.add_handler(TypeHandler(Update, finish_update), group=99)
    application.add_error_handler(handle_error)
    schedule_outbox(application)
    schedule_adoption_jobs(application)
    orders.schedule_expiry(application)
    schedule_pruning(application)
    privacy.schedule_retention(application)
    return application

"""Operators announce something to every user or every adopter, in one to three languages.

Each recipient gets the text in their own language (else the default language, else any written).
Messages go through the outbox, so they survive restarts, respect Telegram's rate limits and skip
users who blocked the bot; the operator sees progress and a final count.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.config import LANGUAGES
from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from bot.notify import AnyApp, Outgoing
from handlers.kit import routes
from handlers.kit.common import back_button, button, cancel, esc, keyboard, show
from handlers.kit.dialogues import dialogue
from handlers.kit.roles import operator_only
from models.core.broadcast import AUDIENCES, broadcast_progress, create_broadcast, get_broadcast
from models.core.contact import clean_text

MAX_LENGTH = 3500
PROGRESS_SECONDS = 3.0


class Step(IntEnum):
    """Where the operator is in writing a broadcast."""

    AUDIENCE = 0
    TEXT = 1
    PREVIEW = 2


AUDIENCE_ICONS = {"all": "👥", "adopters": "🌳"}


def audience_label(tr: Translator, audience: str) -> str:
    """The name of an audience in the operator's language."""
    return {"all": tr._("All users"), "adopters": tr._("All tree adopters")}.get(audience, audience)


@operator_only
async def start_broadcast(update: Update, context: BotContext) -> int:
    """Asks who the announcement is for."""
    context.scratch["bc"] = {"texts": {}}
    rows = [
        [
            button(
                AUDIENCE_ICONS.get(name, "📣") + " " + audience_label(context.tr, name),
                routes.BROADCAST_AUDIENCE.data(audience=name),
            )
        ]
        for name in AUDIENCES
    ]
    text = context.tr._("<b>Broadcast</b>\nWho should receive the announcement?")
    cancel_row = [button("✖️ " + context.tr._("Cancel"), routes.BROADCAST_STOP.data())]
    await show(update, context, text, keyboard(*rows, cancel_row))
    return Step.AUDIENCE


@operator_only
async def choose_audience(update: Update, context: BotContext) -> int:
    """Stores the audience and asks for the first language's text."""
    query = update.callback_query
    assert query is not None
    audience = routes.text_field(context, "audience")
    if audience not in AUDIENCES:
        await query.answer(context.tr._("This button is out of date."), show_alert=True)
        return Step.AUDIENCE
    context.scratch["bc"] = {"audience": audience, "texts": {}, "lang": 0}
    return await ask_text(update, context)


# The languages' names in the operator's language, beside their own script ("老挝语（ລາວ）").
LANGUAGE_IN_WORDS = {"zh": N_("Chinese"), "lo": N_("Lao"), "en": N_("English")}


def language_label(tr: Translator, code: str) -> str:
    """A language's name for the operator: in their language, with its own name beside it."""
    own, theirs = LANGUAGE_NAMES[code], tr._(LANGUAGE_IN_WORDS[code])
    if own == theirs:
        return own
    return f"{theirs}（{own}）" if tr.language == "zh" else f"{theirs} ({own})"


async def ask_text(update: Update, context: BotContext) -> int:
    """Asks for the announcement in the current language, which may be skipped."""
    draft = context.scratch["bc"]
    language = LANGUAGES[draft["lang"]]
    text = context.tr._(
        "Send the announcement in {language}, or tap Skip if you do not write one in this language."
    ).format(language=language_label(context.tr, language))
    back = routes.BROADCAST_BACK if draft["lang"] else routes.BROADCAST
    markup = keyboard(
        [button("⏭ " + context.tr._("Skip"), routes.BROADCAST_SKIP.data())],
        [back_button(context, back.data())],
    )
    await show(update, context, text, markup)
    return Step.TEXT


@operator_only
async def receive_text(update: Update, context: BotContext) -> int:
    """Stores one language's text and moves to the next language or the preview."""
    message = update.effective_message
    assert message is not None
    text = clean_text(message.text or "", MAX_LENGTH, one_line=False)
    if text is None:
        await message.reply_text(
            context.tr._(
                "Please send the announcement as text of at most {limit} characters."
            ).format(limit=MAX_LENGTH)
        )
        return Step.TEXT
    draft = context.scratch["bc"]
    draft["texts"][LANGUAGES[draft["lang"]]] = text
    return await next_language(update, context)


@operator_only
async def skip_language(update: Update, context: BotContext) -> int:
    """Skips the current language."""
    return await next_language(update, context)


@operator_only
async def previous_language(update: Update, context: BotContext) -> int:
    """Goes back to the previous language's text."""
    draft = context.scratch["bc"]
    draft["lang"] = max(0, draft["lang"] - 1)
    draft["texts"].pop(LANGUAGES[draft["lang"]], None)
    return await ask_text(update, context)


async def next_language(update: Update, context: BotContext) -> int:
    """Asks for the next language, or shows the preview after the last."""
    draft = context.scratch["bc"]
    draft["lang"] += 1
    if draft["lang"] < len(LANGUAGES):
        return await ask_text(update, context)
    if not draft["texts"]:
        draft["lang"] = 0
        await show(
            update, context, context.tr._("Write the announcement in at least one language.")
        )
        return await ask_text(update, context)
    return await preview(update, context)


async def preview(update: Update, context: BotContext) -> int:
    """Shows what will be sent, and to whom."""
    tr, draft = context.tr, context.scratch["bc"]
    parts = [
        tr._("<b>Preview</b> — to: {audience}").format(
            audience=audience_label(tr, draft["audience"])
        )
    ]
    for language, text in draft["texts"].items():
        parts.append(f"<b>{language_label(tr, language)}</b>\n{esc(text)}")
    parts.append(
        tr._("Users whose language is missing get the {language} text.").format(
            language=language_label(tr, _fallback_language(context, draft["texts"]))
        )
    )
    markup = keyboard(
        [button("📣 " + tr._("Send now"), routes.BROADCAST_SEND.data())],
        [button("✖️ " + tr._("Cancel"), routes.BROADCAST_STOP.data())],
    )
    await show(update, context, "\n\n".join(parts), markup)
    return Step.PREVIEW


def _fallback_language(context: BotContext, texts: dict[str, str]) -> str:
    """The language sent to users whose own language was not written."""
    default = context.settings.default_language
    return default if default in texts else next(iter(texts))


@operator_only
async def send_broadcast(update: Update, context: BotContext) -> int:
    """Queues the broadcast and starts reporting its progress."""
    assert update.effective_user is not None and update.effective_chat is not None
    draft = context.scratch.pop("bc")
    broadcast = await context.db.run(
        create_broadcast,
        audience=draft["audience"],
        texts=draft["texts"],
        created_by=update.effective_user.id,
    )
    message = await show(update, context, progress_text(context.tr, broadcast.recipients, 0, 0, 0))
    if context.job_queue is not None and message is not None:
        context.job_queue.run_repeating(
            report_progress,
            interval=PROGRESS_SECONDS,
            first=PROGRESS_SECONDS,
            data={
                "id": broadcast.id,
                "chat": message.chat_id,
                "message": message.message_id,
                "lang": context.lang,
                "last": "",
            },
            name=f"broadcast-{broadcast.id}",
        )
    return ConversationHandler.END


def progress_text(
    tr: Translator, total: int, sent: int, blocked: int, failed: int, done: bool = False
) -> str:
    """The operator's progress line."""
    if done:
        return tr._(
            "📣 Broadcast finished: {sent} delivered, {blocked} blocked the bot, "
            "{failed} failed, of {total}."
        ).format(sent=sent, blocked=blocked, failed=failed, total=total)
    return tr._(
        "📣 Sending… {sent} of {total} delivered ({blocked} blocked the bot, {failed} failed)."
    ).format(sent=sent, total=total, blocked=blocked, failed=failed)


async def report_progress(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: edits the operator's progress message until the broadcast is done."""
    from bot.i18n import translator

    job = context.job
    assert job is not None
    data: dict[str, Any] = job.data  # type: ignore[assignment]
    progress = await context.bot_data["db"].run(broadcast_progress, broadcast_id=data["id"])
    done = progress.pending == 0
    text = progress_text(
        translator(data["lang"]),
        progress.total,
        progress.sent,
        progress.blocked,
        progress.failed,
        done,
    )
    if text != data["last"]:
        data["last"] = text
        await context.bot.edit_message_text(text, chat_id=data["chat"], message_id=data["message"])
    if done:
        job.schedule_removal()


async def stop(update: Update, context: BotContext) -> int:
    """Leaves without sending anything."""
    context.scratch.pop("bc", None)
    return await cancel(update, context)


async def render_broadcast(app: AnyApp, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """One recipient's copy of an announcement, in their language."""
    cache: dict[int, Any] = app.bot_data.setdefault("broadcasts", {})
    broadcast_id = int(params["broadcast_id"])
    if broadcast_id not in cache:
        cache[broadcast_id] = await app.bot_data["db"].run(get_broadcast, broadcast_id=broadcast_id)
    default = app.bot_data["settings"].default_language
    return Outgoing("📣 " + esc(cache[broadcast_id].text_for(tr.language, default)))


def broadcast_conversation() -> ConversationHandler[BotContext]:
    """The operator's broadcast dialogue."""
    return dialogue(
        "broadcast",
        [
            CommandHandler("broadcast", start_broadcast),
            routes.BROADCAST.handler(start_broadcast),
        ],
        {
            Step.AUDIENCE: [routes.BROADCAST_AUDIENCE.handler(choose_audience)],
            Step.TEXT: [
                routes.BROADCAST_SKIP.handler(skip_language),
                routes.BROADCAST_BACK.handler(previous_language),
                routes.BROADCAST.handler(start_broadcast),
                MessageHandler(~filters.COMMAND, receive_text),
            ],
            Step.PREVIEW: [routes.BROADCAST_SEND.handler(send_broadcast)],
        },
        on_cancel=stop,
        fallbacks=[routes.BROADCAST_STOP.handler(stop)],
        scratch="bc",
    )


def handlers() -> list[BaseHandler[Any, BotContext, Any]]:
    """The broadcast dialogue."""
    return [broadcast_conversation()]

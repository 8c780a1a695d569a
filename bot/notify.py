"""Sends the notification outbox: each message in its recipient's language, with retries.

Telegram's RetryAfter pauses the whole batch for as long as Telegram asks; network errors are
retried with exponential backoff; a user who blocked the bot (Forbidden) is flagged and skipped
from then on; a message Telegram rejects for good (BadRequest) is not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.i18n import Translator, translator
from bot.limiter import background
from models.core.outbox import (
    Notification,
    due_notifications,
    mark_blocked,
    mark_failed,
    mark_retry,
    mark_sent,
)

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX = timedelta(hours=1)


@dataclass
class Outgoing:
    """A rendered notification: text, optional buttons, an optional photo or document."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: str | bytes | None = None  # a Telegram file_id or image bytes; text is the caption
    document: tuple[str, bytes] | None = None  # (file name, content); text is the caption


AnyApp = Application[Any, Any, Any, Any, Any, Any]
Renderer = Callable[[AnyApp, Translator, dict[str, Any]], Awaitable[Outgoing]]


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … up to an hour between attempts."""
    return min(BACKOFF_BASE * (2 ** max(attempts, 0)), BACKOFF_MAX)


async def _send(application: AnyApp, chat_id: int, outgoing: Outgoing) -> None:
    """Sends one rendered notification."""
    bot, extra = application.bot, background(application.bot)  # after replies, 1/s per chat
    if outgoing.photo is not None:
        await bot.send_photo(
            chat_id, outgoing.photo, caption=outgoing.text, reply_markup=outgoing.markup, **extra
        )
    elif outgoing.document is not None:
        name, content = outgoing.document
        await bot.send_document(
            chat_id,
            content,
            filename=name,
            caption=outgoing.text,
            reply_markup=outgoing.markup,
            **extra,
        )
    else:
        await bot.send_message(chat_id, outgoing.text, reply_markup=outgoing.markup, **extra)


class Outcome(Enum):
    """What became of one delivery attempt."""

    DONE = "done"  # sent, or settled for good, or scheduled for a retry
    SLOW_DOWN = "slow_down"  # Telegram said RetryAfter: stop this batch
    BLOCKED = "blocked"  # the user blocked the bot: skip the rest of their batch


async def deliver_one(application: AnyApp, row: Notification, language: str | None) -> Outcome:
    """Tries one notification."""
    db = application.bot_data["db"]
    renderers: dict[str, Renderer] = application.bot_data["renderers"]
    settings = application.bot_data["settings"]
    assert row.id is not None
    try:
        render = renderers[row.kind]
        outgoing = await render(
            application, translator(language or settings.default_language), row.data()
        )
    except Exception as exc:
        log.exception("notification %s (%s) could not be rendered", row.id, row.kind)
        await db.run(mark_failed, notification_id=row.id, error=f"render: {exc!r}")
        return Outcome.DONE
    try:
        await _send(application, row.user_id, outgoing)
    except RetryAfter as exc:
        delay = (
            exc.retry_after
            if isinstance(exc.retry_after, timedelta)
            else timedelta(seconds=float(exc.retry_after))
        )
        log.warning("Telegram asks to wait %s before sending more", delay)
        await db.run(mark_retry, notification_id=row.id, delay=delay, error=str(exc), counts=False)
        return Outcome.SLOW_DOWN
    except Forbidden as exc:
        log.info("user %s has blocked the bot; notification %s dropped", row.user_id, row.id)
        await db.run(mark_blocked, user_id=row.user_id, error=str(exc))
        return Outcome.BLOCKED
    except BadRequest as exc:
        log.warning("notification %s rejected by Telegram: %s", row.id, exc)
        await db.run(mark_failed, notification_id=row.id, error=str(exc))
    except TelegramError as exc:  # NetworkError, TimedOut and the rest: try again later
        log.warning("notification %s not sent yet (%s); will retry", row.id, exc)
        await db.run(
            mark_retry, notification_id=row.id, delay=backoff(row.attempts), error=str(exc)
        )
    else:
        await db.run(mark_sent, notification_id=row.id)
    return Outcome.DONE


async def deliver_pending(application: AnyApp, limit: int = 100) -> int:
    """Sends what is due; returns how many were tried. Stops early on RetryAfter."""
    db = application.bot_data["db"]
    due = await db.run(due_notifications, limit=limit)
    blocked: set[int] = set()
    for tried, (row, language) in enumerate(due, start=1):
        if row.user_id in blocked:
            continue  # mark_blocked has already settled it
        outcome = await deliver_one(application, row, language)
        if outcome is Outcome.SLOW_DOWN:
            return tried
        if outcome is Outcome.BLOCKED:
            blocked.add(row.user_id)
    return len(due)


async def outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: drain the outbox while there is something due."""
    while await deliver_pending(context.application) >= 100:
        pass


def schedule_outbox(application: AnyApp) -> None:
    """Runs the outbox sender every second while the bot runs."""
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            outbox_job,
            interval=INTERVAL_SECONDS,
            first=INTERVAL_SECONDS,
            name="outbox",
            job_kwargs={"max_instances": 1, "coalesce": True},
        )

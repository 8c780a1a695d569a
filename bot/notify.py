"""Sends the notification outbox: each message in its recipient's language, with retries.

Every process may run the sender: it claims due rows before it sends them (models.core.outbox),
so one notification goes out once, from one process. Telegram's RetryAfter pauses the batch for as
long as Telegram asks; network errors and transient failures while writing the message (the
database away for a moment) are retried with exponential backoff; a user who blocked the bot
(Forbidden) is flagged and skipped from then on; a message Telegram rejects for good (BadRequest,
such as chat not found) is not retried, nor is one whose renderer keeps failing (a bug).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.i18n import Translator, translator
from bot.limiter import background
from models.core.base import utcnow
from models.core.jobs import new_worker_name
from models.core.outbox import (
    LEASE,
    MAX_ATTEMPTS,
    Notification,
    NotificationStatus,
    claim_due,
    mark_blocked,
    mark_failed,
    mark_retry,
    mark_sent,
    release_claims,
)

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX = timedelta(hours=1)
TRANSIENT = (OperationalError, PoolTimeout, NetworkError, OSError)  # these retry MAX_ATTEMPTS
RENDER_ATTEMPTS = 3  # a renderer failing this often for another reason has a bug: give up
LEASE_MARGIN = LEASE / 5  # stop a batch this long before its claim runs out


@dataclass
class Outgoing:
    """A rendered notification: text, optional buttons, an optional photo or document."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: str | bytes | None = None  # a Telegram file_id or image bytes; text is the caption
    document: tuple[str, bytes] | None = None  # (file name, content); text is the caption


AnyApp = Application[Any, Any, Any, Any, Any, Any]
Renderer = Callable[[AnyApp, Translator, dict[str, Any]], Awaitable[Outgoing]]


def worker_name(application: AnyApp) -> str:
    """The name this Application signs its claims with (one per Application, so per process)."""
    name: str = application.bot_data.setdefault("worker", new_worker_name())
    return name


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … up to an hour between attempts."""
    return min(BACKOFF_BASE * (1 << max(attempts, 0)), BACKOFF_MAX)


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


def _transient(exc: BaseException) -> bool:
    """True for a failure that goes away by itself: the database or the network was away."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, TRANSIENT)


async def _render(application: AnyApp, row: Notification, language: str | None) -> Outgoing | None:
    """Writes the notification; on failure schedules a retry (or gives up) and returns None."""
    renderers: dict[str, Renderer] = application.bot_data["renderers"]
    settings = application.bot_data["settings"]
    assert row.id is not None
    try:
        render = renderers[row.kind]
        tr = translator(language or settings.default_language)
        return await render(application, tr, row.data())
    except Exception as exc:
        transient = _transient(exc)
        log.warning(
            "notification %s (%s) could not be rendered: %r", row.id, row.kind, exc, exc_info=True
        )
        status = await application.bot_data["db"].run(
            mark_retry,
            notification_id=row.id,
            delay=backoff(row.attempts),
            error=f"render: {exc!r}",
            max_attempts=MAX_ATTEMPTS if transient else RENDER_ATTEMPTS,
        )
        if status == NotificationStatus.FAILED:
            log.error("notification %s (%s) given up: its rendering kept failing", row.id, row.kind)
        return None


async def deliver_one(application: AnyApp, row: Notification, language: str | None) -> Outcome:
    """Tries one notification."""
    db = application.bot_data["db"]
    assert row.id is not None
    outgoing = await _render(application, row, language)
    if outgoing is None:
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
        status = await db.run(
            mark_retry, notification_id=row.id, delay=backoff(row.attempts), error=str(exc)
        )
        if status == NotificationStatus.FAILED:
            log.error("notification %s given up after %s attempts", row.id, MAX_ATTEMPTS)
    else:
        await db.run(mark_sent, notification_id=row.id)
    return Outcome.DONE


SENDERS = 20  # chats sent to at once: enough to fill 30 messages/s over a slow round trip


@dataclass
class _Batch:
    """One claimed batch being sent: what was tried, and whether to stop starting more."""

    stop_at: datetime
    tried: set[int] = field(default_factory=set)
    stopped: bool = False

    def may_start(self) -> bool:
        """False once Telegram said RetryAfter or the claim is about to run out."""
        return not self.stopped and utcnow() < self.stop_at


async def _deliver_chat(
    application: AnyApp, rows: list[tuple[Notification, str | None]], batch: _Batch
) -> None:
    """Sends one chat's rows in order; a blocked chat's rest is already settled."""
    for row, language in rows:
        if not batch.may_start():
            return
        assert row.id is not None
        batch.tried.add(row.id)
        outcome = await deliver_one(application, row, language)
        if outcome is Outcome.SLOW_DOWN:
            batch.stopped = True
            return
        if outcome is Outcome.BLOCKED:  # mark_blocked has settled the chat's other rows
            batch.tried.update(r.id for r, _ in rows if r.id is not None)
            return


def _by_chat(
    due: list[tuple[Notification, str | None]],
) -> list[list[tuple[Notification, str | None]]]:
    """The claimed rows grouped by recipient, each group oldest first."""
    chats: dict[int, list[tuple[Notification, str | None]]] = {}
    for row, language in due:
        chats.setdefault(row.user_id, []).append((row, language))
    return list(chats.values())


async def deliver_pending(application: AnyApp, limit: int = 100, senders: int = SENDERS) -> int:
    """Claims and sends what is due, `senders` chats at a time, in order within each chat.

    Returns how many were tried. After a RetryAfter no further send starts; the untried claims
    are handed back.
    """
    db = application.bot_data["db"]
    worker = worker_name(application)
    due = await db.run(claim_due, worker=worker, limit=limit)
    batch = _Batch(stop_at=utcnow() + LEASE - LEASE_MARGIN)
    slots = asyncio.Semaphore(senders)

    async def one_chat(rows: list[tuple[Notification, str | None]]) -> None:
        async with slots:
            await _deliver_chat(application, rows, batch)

    try:  # a TaskGroup: should one chat fail unexpectedly, the others stop before the release
        async with asyncio.TaskGroup() as group:
            for rows in _by_chat(due):
                group.create_task(one_chat(rows))
    finally:
        untried = [row.id for row, _ in due if row.id is not None and row.id not in batch.tried]
        if untried:
            await db.run(release_claims, worker=worker, notification_ids=untried)
    return len(batch.tried)


async def outbox_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """JobQueue callback: drain the outbox while there is something due."""
    while await deliver_pending(context.application) >= 100:
        pass

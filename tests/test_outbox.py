"""The notification outbox: delivered once, in the recipient's language, through network errors,
Telegram's RetryAfter and users who blocked the bot."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.i18n import Translator
from bot.notify import Outgoing, deliver_pending
from models.core.outbox import Notification, NotificationStatus, notify
from models.core.user import User, touch_user
from tests.harness import Harness


async def render_hello(app: Any, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """A test notification written in the recipient's language."""
    return Outgoing(
        tr._(
            "Hello, {name}! 🍑\nThis is the village post office's orchard shop. "
            "Adopt a tree for a season, or order what our village grows."
        ).format(name=params["name"])
    )


@pytest.fixture
def outbox(bot: Harness) -> Harness:
    """The bot with a `hello` notification kind and three users in three languages."""
    bot.app.bot_data["renderers"]["hello"] = render_hello
    for user_id, language in ((1, "zh"), (2, "lo"), (3, "en")):
        bot.db.call(
            touch_user,
            telegram_id=user_id,
            first_name=f"u{user_id}",
            last_name=None,
            username=None,
            language_code=language,
            language=language,
            is_admin=False,
        )
    return bot


def queue(bot: Harness, user_id: int, key: str | None = None) -> None:
    """Queues one `hello` notification, as a domain function would."""
    bot.db.call(notify, user_id=user_id, kind="hello", params={"name": "X"}, dedupe_key=key)


def statuses(bot: Harness) -> list[tuple[int, str, int]]:
    """(user, status, attempts) of every notification."""
    with bot.db.session() as session:
        rows = session.exec(select(Notification).order_by(Notification.id)).all()
    return [(row.user_id, row.status, row.attempts) for row in rows]


def make_due(bot: Harness) -> None:
    """Moves every retry to now, as if the backoff had passed."""
    with bot.db.session() as session:
        session.exec(update(Notification).values(next_attempt_at=Notification.created_at))  # type: ignore[call-overload]
        session.commit()


async def test_each_recipient_gets_their_language_once(outbox: Harness) -> None:
    for user_id in (1, 2, 3):
        queue(outbox, user_id)
    assert await deliver_pending(outbox.app) == 3
    sent = {c.params["chat_id"]: c.params["text"] for c in outbox.api.sent("sendMessage")}
    assert (
        sent[1].startswith("X，您好")
        and sent[2].startswith("ສະບາຍດີ")
        and sent[3].startswith("Hello, X")
    )
    assert await deliver_pending(outbox.app) == 0  # nothing is sent twice
    assert len(outbox.api.sent("sendMessage")) == 3


async def test_dedupe_key_queues_an_event_once(outbox: Harness) -> None:
    queue(outbox, 1, key="order-7-shipped")
    queue(outbox, 1, key="order-7-shipped")
    assert len(statuses(outbox)) == 1


async def test_network_error_is_retried_with_backoff(outbox: Harness) -> None:
    queue(outbox, 1)
    outbox.api.fail_next("sendMessage", network=True)
    await deliver_pending(outbox.app)
    assert statuses(outbox) == [(1, NotificationStatus.PENDING, 1)]
    assert await deliver_pending(outbox.app) == 0  # not due yet: backing off
    make_due(outbox)
    await deliver_pending(outbox.app)
    assert statuses(outbox) == [(1, NotificationStatus.SENT, 2)]


async def test_retry_after_pauses_the_batch_without_losing_anything(outbox: Harness) -> None:
    for user_id in (1, 2, 3):
        queue(outbox, user_id)
    outbox.api.fail_next("sendMessage", retry_after=7)
    # one chat at a time: stopped at the first, Telegram said wait
    assert await deliver_pending(outbox.app, senders=1) == 1
    with outbox.db.session() as session:
        first = session.exec(select(Notification).order_by(Notification.id)).first()
    assert first is not None and first.attempts == 0  # RetryAfter is not the message's fault
    assert first.next_attempt_at - first.created_at >= timedelta(seconds=6)
    make_due(outbox)
    await deliver_pending(outbox.app)
    assert [s for _, s, _ in statuses(outbox)] == [NotificationStatus.SENT] * 3


async def test_blocked_user_is_marked_and_not_retried(outbox: Harness) -> None:
    queue(outbox, 2)
    queue(outbox, 2)
    queue(outbox, 3)
    outbox.api.fail_next(
        "sendMessage", status=403, description="Forbidden: bot was blocked by the user"
    )
    await deliver_pending(outbox.app)
    assert statuses(outbox) == [
        (2, NotificationStatus.BLOCKED, 0),
        (2, NotificationStatus.BLOCKED, 0),
        (3, NotificationStatus.SENT, 1),
    ]
    with outbox.db.session() as session:
        assert session.get_one(User, 2).blocked_bot
    make_due(outbox)
    await deliver_pending(outbox.app)
    assert len(outbox.api.sent("sendMessage")) == 2  # the blocked user's 1st try, then user 3


async def test_rejected_message_fails_for_good(outbox: Harness) -> None:
    queue(outbox, 1)
    outbox.api.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    await deliver_pending(outbox.app)
    assert statuses(outbox) == [(1, NotificationStatus.FAILED, 1)]

"""The outbox shared by two bot processes on one database: each notification claimed, then sent
once by one of them; a dead sender's claims taken over after the lease; rendering failures retried
like send failures until a permanent cause ends them."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.app import build_application
from bot.config import Settings
from bot.db import Database
from bot.i18n import Translator
from bot.notify import RENDER_ATTEMPTS, Outgoing, deliver_pending
from bot.offline import OfflineBotAPI
from models.core.base import utcnow
from models.core.outbox import Notification, NotificationStatus, claim_due, notify
from models.core.user import touch_user
from tests.engine_helpers import open_connections
from tests.harness import Harness

USERS = range(1, 42)  # 41 recipients, one notification each
DB = tuple[str, str | None]


async def render_hello(app: Any, tr: Translator, params: dict[str, Any]) -> Outgoing:
    """A notification that, like a real renderer, lets other tasks run while it is written."""
    await asyncio.sleep(0)
    return Outgoing(f"hello {params['n']}")


def add_users(db: Database, users: range = USERS) -> None:
    """Creates the recipients."""
    for user_id in users:
        db.call(
            touch_user,
            telegram_id=user_id,
            first_name=f"u{user_id}",
            last_name=None,
            username=None,
            language_code="en",
            language="en",
            is_admin=False,
        )


def queue(db: Database, user_id: int, kind: str = "hello") -> None:
    """Queues one notification, as a domain function would."""
    db.call(notify, user_id=user_id, kind=kind, params={"n": user_id})


def rows(db: Database) -> list[Notification]:
    """Every notification, oldest first."""
    with db.session() as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))).all())


def make_due(db: Database) -> None:
    """Moves every retry to now, as if the backoff had passed."""
    with db.session() as session:
        session.exec(update(Notification).values(next_attempt_at=Notification.created_at))  # type: ignore[call-overload]
        session.commit()


def sent_per_chat(*apis: OfflineBotAPI) -> Counter[int]:
    """How many sendMessage calls each chat received, from every process."""
    return Counter(int(c.params["chat_id"]) for api in apis for c in api.sent("sendMessage"))


@asynccontextmanager
async def process(settings: Settings, database_url: DB) -> AsyncIterator[Harness]:
    """Another bot process: its own engine and Application on the same database."""
    db = Database(*database_url)
    api = OfflineBotAPI()
    app = build_application(settings, db, request=api, rate_limit=False)
    app.bot_data["renderers"]["hello"] = render_hello
    async with app:
        yield Harness(app, api, db)
    db.dispose()


async def drain(bot: Harness) -> None:
    """Sends in small batches until nothing due is left for this process."""
    while await deliver_pending(bot.app, limit=3):
        pass


async def test_two_processes_send_each_notification_once(
    settings: Settings, database_url: DB, db: Database
) -> None:
    add_users(db)
    for user_id in USERS:
        queue(db, user_id)
    async with process(settings, database_url) as one, process(settings, database_url) as two:
        await open_connections(one.db, two.db)  # neither loses every claim while it connects
        await asyncio.gather(drain(one), drain(two))
    assert sent_per_chat(one.api, two.api) == Counter(dict.fromkeys(USERS, 1))
    assert {row.status for row in rows(db)} == {NotificationStatus.SENT}
    assert one.api.sent("sendMessage") and two.api.sent("sendMessage")  # both did some


def test_two_processes_in_threads_send_each_notification_once(
    settings: Settings, database_url: DB, db: Database
) -> None:
    add_users(db)
    for user_id in USERS:
        queue(db, user_id)
    start = threading.Barrier(2)
    apis: list[OfflineBotAPI] = []

    async def run_process() -> None:
        async with process(settings, database_url) as bot:
            apis.append(bot.api)
            await asyncio.to_thread(start.wait)
            await drain(bot)

    threads = [threading.Thread(target=asyncio.run, args=(run_process(),)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sent_per_chat(*apis) == Counter(dict.fromkeys(USERS, 1))
    assert {row.status for row in rows(db)} == {NotificationStatus.SENT}


async def test_a_dead_senders_claim_is_taken_over_after_the_lease(
    settings: Settings, database_url: DB, db: Database
) -> None:
    add_users(db, range(1, 4))
    for user_id in (1, 2, 3):
        queue(db, user_id)
    assert len(db.call(claim_due, worker="died-mid-batch", limit=10)) == 3
    async with process(settings, database_url) as bot:
        assert await deliver_pending(bot.app) == 0  # claimed by a process that may still send
        assert not bot.api.sent("sendMessage")
        with db.session() as session:  # the dead process's lease runs out
            past = utcnow() - timedelta(seconds=1)
            session.exec(update(Notification).values(claimed_until=past))  # type: ignore[call-overload]
            session.commit()
        assert await deliver_pending(bot.app) == 3
    assert sent_per_chat(bot.api) == Counter({1: 1, 2: 1, 3: 1})
    assert {(row.status, row.claimed_by) for row in rows(db)} == {(NotificationStatus.SENT, None)}


async def test_retry_after_hands_back_the_untried_claims(
    settings: Settings, database_url: DB, db: Database
) -> None:
    add_users(db, range(1, 4))
    for user_id in (1, 2, 3):
        queue(db, user_id)
    async with process(settings, database_url) as one, process(settings, database_url) as two:
        one.api.fail_next("sendMessage", retry_after=5)
        assert await deliver_pending(one.app, senders=1) == 1
        assert await deliver_pending(two.app) == 2  # not left waiting for one's lease
    assert sent_per_chat(two.api) == Counter({2: 1, 3: 1})


async def test_a_transient_render_failure_is_retried_and_delivered(
    settings: Settings, database_url: DB, db: Database
) -> None:
    failures = [OperationalError("SELECT adoption", {}, Exception("server closed the connection"))]

    async def flaky(app: Any, tr: Translator, params: dict[str, Any]) -> Outgoing:
        if failures:
            raise failures.pop()
        return Outgoing("🎉 Payment received")

    add_users(db, range(1, 2))
    queue(db, 1, kind="flaky")
    async with process(settings, database_url) as bot:
        bot.app.bot_data["renderers"]["flaky"] = flaky
        await deliver_pending(bot.app)
        [row] = rows(db)
        assert (row.status, row.attempts, row.claimed_by) == (NotificationStatus.PENDING, 1, None)
        assert row.next_attempt_at > utcnow()  # backing off, like a send failure
        assert await deliver_pending(bot.app) == 0
        make_due(db)
        await deliver_pending(bot.app)
    assert [c.params["text"] for c in bot.api.sent("sendMessage")] == ["🎉 Payment received"]
    assert rows(db)[0].status == NotificationStatus.SENT


async def test_a_renderer_that_always_fails_ends_after_n_tries_logged(
    settings: Settings, database_url: DB, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(app: Any, tr: Translator, params: dict[str, Any]) -> Outgoing:
        raise KeyError("tree_code")

    add_users(db, range(1, 2))
    queue(db, 1, kind="broken")
    async with process(settings, database_url) as bot:
        bot.app.bot_data["renderers"]["broken"] = broken
        with caplog.at_level(logging.WARNING, logger="bot.notify"):
            for attempt in range(1, RENDER_ATTEMPTS + 2):
                await deliver_pending(bot.app)
                make_due(db)
                expected = NotificationStatus.FAILED if attempt >= RENDER_ATTEMPTS else "pending"
                assert rows(db)[0].status == expected
    [row] = rows(db)
    assert row.attempts == RENDER_ATTEMPTS and row.last_error and "tree_code" in row.last_error
    assert not bot.api.sent("sendMessage")
    given_up = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(given_up) == 1 and f"notification {row.id} " in given_up[0].getMessage()


async def test_forbidden_ends_it_at_once_across_processes(
    settings: Settings, database_url: DB, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    add_users(db, range(1, 2))
    for _ in range(3):
        queue(db, 1)
    blocked = {"status": 403, "description": "Forbidden: bot was blocked by the user"}
    async with process(settings, database_url) as one, process(settings, database_url) as two:
        one.api.fail_next("sendMessage", **blocked)  # type: ignore[arg-type]
        two.api.fail_next("sendMessage", **blocked)  # type: ignore[arg-type]
        with caplog.at_level(logging.INFO, logger="bot.notify"):
            await asyncio.gather(drain(one), drain(two))
    assert sent_per_chat(one.api, two.api) == Counter({1: 1})  # one try, by one process
    assert {row.status for row in rows(db)} == {NotificationStatus.BLOCKED}
    first = rows(db)[0].id
    assert any(f"notification {first} dropped" in r.getMessage() for r in caplog.records)


class SlowBotAPI(OfflineBotAPI):
    """The offline Bot API whose answers to sendMessage take `delay`, counting sends in flight.

    A refusal (such as RetryAfter) comes back at once, as Telegram's do.
    """

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.in_flight = self.most_in_flight = 0

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Answers every successful sendMessage `delay` seconds late."""
        if not url.endswith("sendMessage"):
            return await super().do_request(url, method, *args, **kwargs)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            status, body = await super().do_request(url, method, *args, **kwargs)
            if status == 200:
                await asyncio.sleep(self.delay)
            return status, body
        finally:
            self.in_flight -= 1


@asynccontextmanager
async def slow_process(
    settings: Settings, db: Database, delay: float = 0.02
) -> AsyncIterator[Harness]:
    """A bot process whose Bot API takes `delay` to answer each send."""
    api = SlowBotAPI(delay)
    app = build_application(settings, db, request=api, rate_limit=False)
    app.bot_data["renderers"]["hello"] = render_hello
    async with app:
        yield Harness(app, api, db)


def queue_text(db: Database, user_id: int, n: str) -> None:
    """Queues a notification whose text says which one it is."""
    db.call(notify, user_id=user_id, kind="hello", params={"n": n})


async def test_several_chats_are_sent_to_at_once_each_in_order(
    settings: Settings, db: Database
) -> None:
    add_users(db, range(1, 11))
    for n in range(5):  # chat 1 gets five, interleaved with one for each other chat
        queue_text(db, 1, f"1.{n}")
        queue_text(db, 2 + n, f"{2 + n}")
    for user_id in range(7, 11):
        queue_text(db, user_id, f"{user_id}")
    async with slow_process(settings, db) as bot:
        assert await deliver_pending(bot.app, senders=4) == 14
    api = bot.api
    assert isinstance(api, SlowBotAPI)
    assert 1 < api.most_in_flight <= 4
    texts = [c.params["text"] for c in api.sent("sendMessage") if c.params["chat_id"] == 1]
    assert texts == [f"hello 1.{n}" for n in range(5)]
    assert sent_per_chat(api) == Counter({1: 5, **dict.fromkeys(range(2, 11), 1)})
    assert {row.status for row in rows(db)} == {NotificationStatus.SENT}


async def test_retry_after_starts_no_further_send_while_others_finish(
    settings: Settings, db: Database
) -> None:
    add_users(db, range(1, 11))
    for user_id in range(1, 11):
        queue(db, user_id)
    async with slow_process(settings, db, delay=0.5) as bot:  # the refusal settles first
        bot.api.fail_next("sendMessage", retry_after=5)
        tried = await deliver_pending(bot.app, senders=3)
    assert tried == 3  # the one told to wait and the two already in flight
    assert len(bot.api.sent("sendMessage")) == 3
    statuses = Counter((row.status, row.claimed_by) for row in rows(db))
    assert statuses == Counter(
        {(NotificationStatus.SENT, None): 2, (NotificationStatus.PENDING, None): 8}
    )


def test_a_chat_whose_rows_another_process_holds_is_left_to_it(db: Database) -> None:
    """One process holds a chat's first notification; another claims none of that chat's later
    ones (it would send them out of order, or try a blocked chat twice), only other chats'."""
    from models.core.outbox import claim_due

    add_users(db, range(1, 3))
    for user in (1, 1, 1, 2):
        queue(db, user)
    first = db.call(claim_due, worker="host:1:one", limit=1)
    assert [row.user_id for row, _ in first] == [1]
    second = db.call(claim_due, worker="host:2:two", limit=100)
    assert [row.user_id for row, _ in second] == [2]

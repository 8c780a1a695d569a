"""`python -m bot run` killed with SIGKILL in the middle of a batch loses no update: a real bot
process (on an empty database, which it migrates) long-polls a Bot API served over HTTP here, is
killed while it is answering, and the next process answers the rest. Runs on SQLite and on
PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.db import Database
from bot.offline import OfflineBotAPI
from tests.engine_helpers import until, update_rows
from tests.factories import TgUser, make_command_update

TOKEN = "123:abc"
ROOT = Path(__file__).resolve().parent.parent
USERS = [TgUser(id=8100 + n, first_name=f"K{n}", language_code="en") for n in range(8)]
PER_USER = 3  # each user sends /help three times: in order within the chat


class Telegram(OfflineBotAPI):
    """Telegram's side: keeps unconfirmed updates; each sendMessage takes a while to answer."""

    def __init__(self) -> None:
        super().__init__(strict=False)
        self.delay = 1.0  # a chat's three answers take 3 s: time to be killed among them

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Answers sendMessage `delay` late, so a batch takes a while to answer."""
        answer = await super().do_request(url, method, *args, **kwargs)
        if url.endswith("/sendMessage"):
            await asyncio.sleep(self.delay)
        return answer


def _value(raw: str) -> Any:
    """A form field as PTB wrote it: JSON for numbers, lists and objects, else the string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


class BotApiHandler(RequestHandler):
    """POST /bot<token>/<method>: the call handed to the Telegram object."""

    def initialize(self, telegram: Telegram) -> None:
        self.telegram = telegram

    async def post(self, method: str) -> None:
        """Decodes PTB's form or JSON body and answers as Telegram would."""
        body = self.request.body.decode()
        if self.request.headers.get("Content-Type", "").startswith("application/json"):
            fields = json.loads(body or "{}")
        else:
            fields = {key: _value(raw) for key, raw in parse_qsl(body)}
        data = SimpleNamespace(parameters=fields, contains_files=False)  # what do_request reads
        status, answer = await self.telegram.do_request(f"/bot{TOKEN}/{method}", "POST", data)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(answer)


@asynccontextmanager
async def served(telegram: Telegram) -> AsyncIterator[str]:
    """The Bot API on a free local port; yields its base URL."""
    [sock] = bind_sockets(0, "127.0.0.1")
    port = sock.getsockname()[1]
    routes = [(rf"/bot{TOKEN}/(\w+)", BotApiHandler, {"telegram": telegram})]
    server = HTTPServer(Application(routes))
    server.add_sockets([sock])
    try:
        yield f"http://127.0.0.1:{port}/bot"
    finally:
        server.stop()


async def start_bot(base_url: str, database_url: str, schema: str | None, log: Path) -> Any:
    """`python -m bot run` in its own process, against the local Bot API; stderr into `log`."""
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        # PostgreSQL: the dead process's claims are taken over after the lease (SQLite's lock
        # frees them at once)
        "UPDATE_LEASE_SECONDS": "3",
    }
    if schema:  # the test's own PostgreSQL schema
        env["PGOPTIONS"] = f"-csearch_path={schema}"
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def answered(telegram: Telegram) -> Counter[int]:
    """How many messages each user was sent."""
    return Counter(int(call.params["chat_id"]) for call in telegram.sent("sendMessage"))


async def wait_for(condition: Any, seconds: float, log: Path) -> None:
    """Waits until `condition()` holds; fails after `seconds`, showing the bots' log."""
    try:
        await until(condition, seconds)
    except AssertionError:
        raise AssertionError(
            f"not reached in {seconds} s; the bots said:\n{log.read_text()}"
        ) from None


async def test_a_bot_killed_mid_batch_loses_no_update(
    database_url: tuple[str, str | None], tmp_path: Path
) -> None:
    url, schema = database_url
    telegram, log = Telegram(), tmp_path / "bots.log"
    updates = [make_command_update(user, "/help") for _ in range(PER_USER) for user in USERS]
    telegram.queue_incoming(*updates)
    async with served(telegram) as base_url:
        first = await start_bot(base_url, url, schema, log)
        await wait_for(lambda: len(telegram.sent("sendMessage")) >= len(USERS), 60, log)
        first.send_signal(signal.SIGKILL)  # mid-batch: some answered, most not
        await first.wait()
        before = sum(answered(telegram).values())
        assert before < len(updates)
        assert telegram.incoming == []  # the batch was confirmed: only the database has it now
        second = await start_bot(base_url, url, schema, log)
        try:
            await wait_for(
                lambda: all(answered(telegram)[user.id] >= PER_USER for user in USERS), 60, log
            )
        finally:
            second.send_signal(signal.SIGTERM)
            assert await second.wait() == 0
    db = Database(url, schema)  # the empty database the first bot migrated
    rows = update_rows(db)
    db.dispose()
    assert sorted(rows) == sorted(update["update_id"] for update in updates)
    assert all(row.handled_at is not None and row.payload is None for row in rows.values())
    # An update whose reply had left when the process died may be answered again (at most one
    # per chat: a chat's updates run one at a time); none is answered twice otherwise.
    assert all(PER_USER <= answered(telegram)[user.id] <= PER_USER + 1 for user in USERS)

"""Webhook mode over real HTTP on 127.0.0.1: the secret is checked, each update is stored before
the 200 and handled once, and stored updates left by a crash are handled after a restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from bot.app import build_application
from bot.cli import main
from bot.config import Settings
from bot.db import Database
from bot.offline import OfflineBotAPI
from bot.webhook import SECRET_HEADER, WebhookService, serve
from models.core.updates import TelegramUpdate, store_update
from tests.factories import TgUser, make_command_update

SECRET = "s3cret-Token_1"


@dataclass
class Running:
    """A webhook server on a free local port, with the offline Bot API behind its bot."""

    service: WebhookService
    api: OfflineBotAPI
    url: str

    async def post(self, body: Any, secret: str | None = SECRET) -> httpx.Response:
        """Posts an update as Telegram would."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with httpx.AsyncClient() as client:
            return await client.post(f"{self.url}/telegram", content=content, headers=headers)


@asynccontextmanager
async def start_server(settings: Settings, db: Database) -> AsyncIterator[Running]:
    """Starts an Application and its webhook server; stops both afterwards."""
    api = OfflineBotAPI()
    application = build_application(settings, db, request=api, rate_limit=False, polling=False)
    async with application:
        service = WebhookService(application, SECRET)
        port = await service.start("127.0.0.1", 0)
        try:
            yield Running(service, api, f"http://127.0.0.1:{port}")
        finally:
            await service.stop()


@pytest.fixture
async def server(settings: Settings, db: Database) -> AsyncIterator[Running]:
    """One running webhook server."""
    async with start_server(settings, db) as running:
        yield running


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Waits until `condition()` holds (the worker runs beside the test)."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


def stored(db: Database) -> dict[int, bool]:
    """update_id → handled, for every stored update."""
    with db.session() as session:
        rows = session.exec(select(TelegramUpdate)).all()
    return {row.update_id: row.handled_at is not None for row in rows}


async def test_wrong_or_missing_secret_is_refused_and_nothing_stored(
    server: Running, db: Database, ann: TgUser
) -> None:
    update = make_command_update(ann, "/start")
    assert (await server.post(update, secret="wrong")).status_code == 403
    assert (await server.post(update, secret=None)).status_code == 403
    await asyncio.sleep(0.1)
    assert stored(db) == {}
    assert server.api.sent() == []


async def test_posted_update_is_stored_then_handled(
    server: Running, db: Database, noy: TgUser
) -> None:
    update = make_command_update(noy, "/start")
    response = await server.post(update)
    assert response.status_code == 200
    await until(lambda: bool(server.api.sent("sendMessage")))
    await until(lambda: stored(db) == {update["update_id"]: True})
    message = server.api.sent("sendMessage")[0].params
    assert message["chat_id"] == noy.id and "ສະບາຍດີ" in message["text"]
    with db.session() as session:
        row = session.get_one(TelegramUpdate, update["update_id"])
    assert row.payload is None  # handled: only the id and its state are kept (retention)


async def test_same_update_posted_twice_is_answered_once(
    server: Running, db: Database, ann: TgUser
) -> None:
    update = make_command_update(ann, "/start")
    assert (await server.post(update)).status_code == 200
    await until(lambda: stored(db) == {update["update_id"]: True})
    assert (await server.post(update)).status_code == 200  # Telegram retried
    await asyncio.sleep(0.2)
    assert len(server.api.sent("sendMessage")) == 1


async def test_bad_body_is_rejected(server: Running, db: Database) -> None:
    assert (await server.post(b"not json")).status_code == 400
    assert (await server.post({"message": {}})).status_code == 400
    assert stored(db) == {}


async def test_healthz_answers_with_json(server: Running) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{server.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok", "waiting_updates": 0}


async def test_stored_unhandled_updates_are_handled_after_restart_once_in_order(
    settings: Settings, db: Database, ann: TgUser
) -> None:
    # the last run stored these and answered 200, then died before handling them
    # one chat's two updates: a chat's updates are handled in update_id order (different chats
    # run side by side, so their order among each other is not promised)
    later, earlier = make_command_update(ann, "/start"), make_command_update(ann, "/help")
    later["update_id"], earlier["update_id"] = 900002, 900001
    for update in (later, earlier):
        db.call(store_update, update_id=update["update_id"], payload=update)
    assert stored(db) == {900001: False, 900002: False}
    async with start_server(settings, db) as running:
        await until(lambda: len(running.api.sent("sendMessage")) == 2)
        replies = running.api.sent("sendMessage")
        assert [call.params["chat_id"] for call in replies] == [ann.id, ann.id]
        assert "/language" in replies[0].params["text"]  # /help first: update_id order
        assert "/language" not in replies[1].params["text"]
        assert stored(db) == {900001: True, 900002: True}
    async with start_server(settings, db) as running:  # and another restart: nothing again
        await asyncio.sleep(0.2)
        assert running.api.sent("sendMessage") == []


async def test_serve_registers_the_webhook_and_stops_cleanly(
    settings: Settings, db: Database
) -> None:
    api = OfflineBotAPI()
    application = build_application(settings, db, request=api, rate_limit=False, polling=False)
    config = Settings(
        database_url=settings.database_url,
        webhook_url="https://bot.example.org/telegram",
        webhook_secret=SECRET,
        port=0,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, config, stop))
    await until(lambda: bool(api.sent("setWebhook")))
    assert api.sent("setMyCommands")
    params = api.sent("setWebhook")[0].params
    assert params["url"] == "https://bot.example.org/telegram"
    assert params["secret_token"] == SECRET
    assert set(params["allowed_updates"]) == {"message", "callback_query", "pre_checkout_query"}
    stop.set()
    await asyncio.wait_for(task, 5)
    assert not application.running


def test_webhook_without_secret_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'w.db'}")
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    assert main(["webhook"]) == 2
    assert "WEBHOOK_SECRET must be set" in capsys.readouterr().err
    assert not (tmp_path / "w.db").exists()  # stopped before touching the database
